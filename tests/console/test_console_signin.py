"""The console on a server with a credentials file: sign in with a key, act as its policy says.

The server's keys: `harness` (the test's own boto3 client), `admin` (no policy: everything) and
`reader` (glue:Get*, glue:List*, glue:BatchGet*, logs:*). A reader sees no Start or Stop
button, and a StartJobRun it forges from the page anyway is refused as AWS refuses it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import FINAL, Server, wait_state

READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["glue:Get*", "glue:List*", "glue:BatchGet*"],
            "Resource": "*",
        },
        {"Effect": "Allow", "Action": "logs:*", "Resource": "*"},
    ],
}
KEYS = {"admin": ("AKIACONSOLEADMIN0001", "admin-secret"), "reader": ("AKIACONSOLEREAD00001", "r")}
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("console-secured")
    (home / "read-only.json").write_text(json.dumps(READ_ONLY))
    (home / "credentials").write_text(
        "[harness]\naws_access_key_id = test\naws_secret_access_key = test\n\n"
        f"[admin]\naws_access_key_id = {KEYS['admin'][0]}\n"
        f"aws_secret_access_key = {KEYS['admin'][1]}\n\n"
        f"[reader]\naws_access_key_id = {KEYS['reader'][0]}\n"
        f"aws_secret_access_key = {KEYS['reader'][1]}\npolicy_file = read-only.json\n"
    )
    srv = Server(home / "data", env={"GLUERUN_CREDENTIALS_FILE": str(home / "credentials")})
    srv.start()
    yield srv
    srv.shutdown()


@pytest.fixture(scope="module")
def job(server: Server, tmp_path_factory: pytest.TempPathFactory) -> str:
    script = tmp_path_factory.mktemp("scripts") / "hello.py"
    script.write_text("print('hello')\n")
    command = {"Name": "pythonshell", "ScriptLocation": str(script), "PythonVersion": "3.9"}
    server.client().create_job(Name="guarded", Role="r", Command=command)
    return "guarded"


def sign_in(page: Any, who: str, secret: str | None = None) -> None:
    page.goto("/console/")
    page.locator("#access-key").wait_for(timeout=WAIT_MS)
    page.fill("#access-key", KEYS[who][0])
    page.fill("#secret-key", KEYS[who][1] if secret is None else secret)
    page.click("#sign-in")


def test_nothing_is_shown_or_done_before_signing_in(page: Any, server: Server, job: str) -> None:
    page.goto(f"/console/#/jobs/{job}")
    page.locator("#access-key").wait_for(timeout=WAIT_MS)
    assert page.locator("h1").inner_text() == "Sign in"
    answer = page.evaluate(
        """async () => {
            const r = await fetch('/console/api/AWSGlue.GetJobs', {method: 'POST',
                headers: {'X-Gluerun-Console': '1'}, body: '{}'});
            return [r.status, (await r.json()).__type];
        }"""
    )
    assert answer[0] == 403
    assert "MissingAuthentication" in answer[1]


def test_a_wrong_secret_is_refused(page: Any, job: str) -> None:
    sign_in(page, "admin", secret="not-the-secret")
    page.locator("#notice", has_text="not valid").wait_for(timeout=WAIT_MS)
    assert page.locator("#access-key").is_visible()


def test_a_read_only_key_sees_no_start_and_is_refused_when_it_tries(
    page: Any, server: Server, job: str
) -> None:
    sign_in(page, "reader")
    page.locator("tr[data-job='guarded']").wait_for(timeout=WAIT_MS)
    assert page.locator("#who").inner_text() == "reader"
    page.goto(f"/console/#/jobs/{job}")
    page.locator("h1", has_text=job).wait_for(timeout=WAIT_MS)
    page.locator("#runs").wait_for(state="attached", timeout=WAIT_MS)
    assert page.locator("#start-run").count() == 0
    assert page.locator("#reset-bookmark").count() == 0
    forged = page.evaluate(
        """async (job) => {
            const session = await (await fetch('/console/session')).json();
            const r = await fetch('/console/api/AWSGlue.StartJobRun', {method: 'POST',
                headers: {'X-Gluerun-Console': session.Token},
                body: JSON.stringify({JobName: job})});
            return [r.status, await r.json()];
        }""",
        job,
    )
    assert forged[0] == 400
    assert forged[1]["__type"] == "AccessDeniedException"
    assert "is not authorized to perform: glue:StartJobRun" in forged[1]["Message"]
    assert server.client().get_job_runs(JobName=job)["JobRuns"] == []


def test_a_read_only_key_sees_no_stop_on_a_running_run_and_cannot_stop_it(
    page: Any, server: Server, tmp_path: Path
) -> None:
    script = tmp_path / "slow.py"
    script.write_text("import time\nprint('working', flush=True)\ntime.sleep(120)\n")
    command = {"Name": "pythonshell", "ScriptLocation": str(script), "PythonVersion": "3.9"}
    harness = server.client()
    harness.create_job(Name="slow", Role="r", Command=command)
    run_id = harness.start_job_run(JobName="slow")["JobRunId"]
    try:
        wait_state(harness, "slow", run_id, {"RUNNING"})
        sign_in(page, "reader")
        page.locator("#who", has_text="reader").wait_for(timeout=WAIT_MS)
        page.goto(f"/console/#/jobs/slow/runs/{run_id}")
        page.locator("#log-output", has_text="working").wait_for(timeout=WAIT_MS)
        assert page.locator("#stop-run").is_hidden()
        forged = page.evaluate(
            """async ([job, run]) => {
                const session = await (await fetch('/console/session')).json();
                const r = await fetch('/console/api/AWSGlue.BatchStopJobRun', {method: 'POST',
                    headers: {'X-Gluerun-Console': session.Token},
                    body: JSON.stringify({JobName: job, JobRunIds: [run]})});
                return [r.status, (await r.json()).__type];
            }""",
            ["slow", run_id],
        )
        assert forged == [400, "AccessDeniedException"]
        state = harness.get_job_run(JobName="slow", RunId=run_id)["JobRun"]["JobRunState"]
        assert state == "RUNNING"
    finally:
        harness.batch_stop_job_run(JobName="slow", JobRunIds=[run_id])
        wait_state(harness, "slow", run_id, FINAL)


def test_an_admin_starts_a_run_and_a_stolen_session_cookie_is_not_enough(
    page: Any, server: Server, job: str
) -> None:
    sign_in(page, "admin")
    page.locator("#who", has_text="admin").wait_for(timeout=WAIT_MS)
    cookie = next(c for c in page.context.cookies() if c["name"] == "gluerun_console")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    without_token = page.evaluate(
        """async (job) => (await fetch('/console/api/AWSGlue.StartJobRun', {method: 'POST',
            headers: {'X-Gluerun-Console': '1'}, body: JSON.stringify({JobName: job})})).status""",
        job,
    )
    assert without_token == 403
    page.goto(f"/console/#/jobs/{job}")
    page.click("#start-run")
    page.wait_for_url("**/runs/jr_*", timeout=WAIT_MS)
    run_id = page.url.rsplit("/", 1)[1]
    assert wait_state(server.client(), job, run_id, FINAL)["JobRunState"] == "SUCCEEDED"
    page.click("#sign-out")
    page.locator("#access-key").wait_for(timeout=WAIT_MS)
    status = page.evaluate(
        """async () => (await fetch('/console/api/AWSGlue.GetJobs', {method: 'POST',
            headers: {'X-Gluerun-Console': '1'}, body: '{}'})).status"""
    )
    assert status == 403


def test_the_page_itself_needs_no_signature(server: Server) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{server.endpoint}/console/") as answer:
        assert answer.status == 200


def console_call(server: Server, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    """POST to the console over plain HTTP: (status, JSON answer, Set-Cookie value or None)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{server.endpoint}/console/{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request) as answer:
            cookie = answer.headers.get("set-cookie")
            return answer.status, json.loads(answer.read()), cookie
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read()), None


def test_a_reader_cannot_rewrite_its_signed_cookie_into_an_admins(server: Server, job: str) -> None:
    key, secret = KEYS["reader"]
    body = {"AccessKeyId": key, "SecretAccessKey": secret}
    status, session, set_cookie = console_call(server, "session", body, {"X-Gluerun-Console": "1"})
    assert status == 200
    cookie = set_cookie.split(";", 1)[0].split("=", 1)[1]
    own = {"X-Gluerun-Console": session["Token"], "Cookie": f"gluerun_console={cookie}"}
    assert console_call(server, "api/AWSGlue.GetJobs", {}, own)[0] == 200
    payload, signature = cookie.split(".", 1)
    claims = json.loads(base64.b64decode(payload))
    assert claims["key"] == key
    claims["key"] = KEYS["admin"][0]
    forged_payload = base64.b64encode(json.dumps(claims).encode()).decode()
    forged = {**own, "Cookie": f"gluerun_console={forged_payload}.{signature}"}
    before = server.client().get_job_runs(JobName=job)["JobRuns"]
    status, answer, _ = console_call(server, "api/AWSGlue.StartJobRun", {"JobName": job}, forged)
    assert status == 403
    assert "MissingAuthentication" in answer["__type"]
    assert server.client().get_job_runs(JobName=job)["JobRuns"] == before
