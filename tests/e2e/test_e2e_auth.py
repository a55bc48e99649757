"""SigV4 and policies on a live server with a credentials file: boto3 as users call it."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.auth
import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from live_server import BIN, FINAL, Server, wait_state

ACCOUNT = "123456789012"
JOB_ARN = f"arn:aws:glue:us-east-1:{ACCOUNT}:job"
READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["glue:Get*", "glue:List*"], "Resource": "*"},
        {"Effect": "Allow", "Action": "logs:*", "Resource": "*"},
    ],
}
NO_SECRETS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "glue:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "glue:StartJobRun", "Resource": f"{JOB_ARN}/secret-*"},
    ],
}
KEYS = {
    "admin": ("AKIAGLUERUNADMIN0001", "admin-secret"),
    "reader": ("AKIAGLUERUNREADER001", "reader-secret"),
    "operator": ("AKIAGLUERUNOPERATOR1", "operator-secret"),
}


def credentials_file(path: Path) -> Path:
    (path / "read-only.json").write_text(json.dumps(READ_ONLY))
    # Continuation lines indented, the first on the `policy =` line: botocore reads a value
    # that starts on the next line as a nested section, and clients share this file.
    policy = json.dumps(NO_SECRETS, indent=2).replace("\n", "\n  ")
    path.joinpath("credentials").write_text(
        # the harness key (Server.client) lets shutdown() stop runs a failed test left behind
        "[harness]\naws_access_key_id = test\naws_secret_access_key = test\n\n"
        f"[admin]\naws_access_key_id = {KEYS['admin'][0]}\n"
        f"aws_secret_access_key = {KEYS['admin'][1]}\n\n"
        f"[reader]\naws_access_key_id = {KEYS['reader'][0]}\n"
        f"aws_secret_access_key = {KEYS['reader'][1]}\npolicy_file = read-only.json\n\n"
        f"[operator]\naws_access_key_id = {KEYS['operator'][0]}\n"
        f"aws_secret_access_key = {KEYS['operator'][1]}\n"
        f"user_arn = arn:aws:iam::{ACCOUNT}:user/ops/operator\npolicy = {policy}\n"
    )
    return path / "credentials"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("secured")
    srv = Server(home / "data", env={"GLUERUN_CREDENTIALS_FILE": str(credentials_file(home))})
    srv.start()
    yield srv
    srv.shutdown()


def client(srv: Server, service: str, key: str, secret: str, **config: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=srv.endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(**config) if config else Config(retries={"max_attempts": 1}),
    )


def as_(srv: Server, who: str, service: str = "glue") -> Any:
    return client(srv, service, *KEYS[who])


def error_of(call: Callable[[], Any]) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def create_job(glue: Any, name: str, script: Path) -> None:
    glue.create_job(
        Name=name,
        Role="arn:aws:iam::123456789012:role/r",
        Command={"Name": "pythonshell", "ScriptLocation": str(script), "PythonVersion": "3.9"},
    )


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scripts") / "hello.py"
    path.write_text("print('hello')\n")
    return path


def test_right_key_works_and_sts_names_its_user(secured: Server, script: Path) -> None:
    glue = as_(secured, "admin")
    create_job(glue, "signed-job", script)
    run_id = glue.start_job_run(JobName="signed-job")["JobRunId"]
    assert wait_state(glue, "signed-job", run_id, FINAL)["JobRunState"] == "SUCCEEDED"
    me = as_(secured, "operator", "sts").get_caller_identity()
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/ops/operator"
    assert me["Account"] == ACCOUNT
    assert me["UserId"].startswith("AIDA")
    assert as_(secured, "admin", "sts").get_caller_identity()["Arn"].endswith(":user/admin")


def test_boto3_profiles_read_the_servers_own_credentials_file(
    secured: Server, script: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's file is a valid AWS shared credentials file: gluerun's keys are ignored."""
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(secured.data_dir.parent / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)

    def session(profile: str, service: str) -> Any:
        return boto3.Session(profile_name=profile, region_name="us-east-1").client(
            service, endpoint_url=secured.endpoint, config=Config(retries={"max_attempts": 1})
        )

    me = session("operator", "sts").get_caller_identity()
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/ops/operator"
    create_job(session("admin", "glue"), "profile-target", script)
    reader = session("reader", "glue")
    assert reader.get_job(JobName="profile-target")["Job"]["Name"] == "profile-target"
    code, status, _ = error_of(lambda: reader.start_job_run(JobName="profile-target"))
    assert (code, status) == ("AccessDeniedException", 400)


def test_wrong_secret_is_an_invalid_signature(secured: Server) -> None:
    glue = client(secured, "glue", KEYS["admin"][0], "not-the-secret")
    code, status, message = error_of(glue.get_jobs)
    assert (code, status) == ("InvalidSignatureException", 403)
    assert message.startswith("The request signature we calculated does not match")
    sts = client(secured, "sts", KEYS["admin"][0], "not-the-secret")
    assert error_of(sts.get_caller_identity)[:2] == ("SignatureDoesNotMatch", 403)


def test_unknown_key_is_an_unrecognized_client(secured: Server) -> None:
    glue = client(secured, "glue", "AKIANOBODYKNOWSTHIS0", "x")
    assert error_of(glue.get_jobs) == (
        "UnrecognizedClientException",
        403,
        "The security token included in the request is invalid.",
    )
    logs = client(secured, "logs", "AKIANOBODYKNOWSTHIS0", "x")
    assert error_of(logs.describe_log_groups)[0] == "UnrecognizedClientException"
    sts = client(secured, "sts", "AKIANOBODYKNOWSTHIS0", "x")
    assert error_of(sts.get_caller_identity)[:2] == ("InvalidClientTokenId", 403)


def test_unsigned_requests_are_refused(secured: Server) -> None:
    glue = boto3.client(
        "glue", endpoint_url=secured.endpoint, region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )  # fmt: skip
    assert error_of(glue.get_jobs) == (
        "MissingAuthenticationTokenException",
        403,
        "Missing Authentication Token",
    )
    sts = boto3.client(
        "sts", endpoint_url=secured.endpoint, region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )  # fmt: skip
    assert error_of(sts.get_caller_identity) == (
        "MissingAuthenticationToken",
        403,
        "Request is missing Authentication Token",
    )


def test_a_signature_made_six_minutes_off_has_expired(
    secured: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    skewed = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(
        minutes=6
    )
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: skewed)
    code, status, message = error_of(as_(secured, "admin").get_jobs)
    assert (code, status) == ("InvalidSignatureException", 403)
    assert message.startswith(f"Signature expired: {skewed:%Y%m%dT%H%M%SZ} is now earlier than")
    assert message.endswith(" - 5 min.)")


def test_a_signature_for_another_region_or_service_does_not_match(secured: Server) -> None:
    elsewhere = boto3.client(
        "glue", endpoint_url=secured.endpoint, region_name="eu-west-1",
        aws_access_key_id=KEYS["admin"][0], aws_secret_access_key=KEYS["admin"][1],
        config=Config(retries={"max_attempts": 1}),
    )  # fmt: skip
    assert error_of(elsewhere.get_jobs) == (
        "InvalidSignatureException",
        403,
        "Credential should be scoped to a valid region, not 'eu-west-1'. ",
    )
    request = AWSRequest(
        method="POST", url=secured.endpoint + "/", data=b"{}",
        headers={"X-Amz-Target": "AWSGlue.GetJobs", "Content-Type": "application/x-amz-json-1.1"},
    )  # fmt: skip
    SigV4Auth(Credentials(*KEYS["admin"]), "logs", "us-east-1").add_auth(request)
    status, body = post(secured.endpoint, b"{}", dict(request.headers.items()))
    assert (status, body["__type"]) == (403, "InvalidSignatureException")
    assert body["Message"] == "Credential should be scoped to correct service: 'glue'. "
    sts = boto3.client(
        "sts", endpoint_url=secured.endpoint, region_name="eu-west-1",
        aws_access_key_id=KEYS["admin"][0], aws_secret_access_key=KEYS["admin"][1],
    )  # fmt: skip
    assert error_of(sts.get_caller_identity)[:2] == ("SignatureDoesNotMatch", 403)


def test_botocore_does_not_retry_authentication_failures(secured: Server) -> None:
    glue = client(secured, "glue", KEYS["admin"][0], "bad", retries={"mode": "standard"})
    sent: list[str] = []
    glue.meta.events.register("before-send", lambda request, **_: sent.append(request.url))
    error_of(glue.get_jobs)
    assert len(sent) == 1


def test_a_changed_body_breaks_the_signature(secured: Server) -> None:
    request = AWSRequest(
        method="POST",
        url=secured.endpoint + "/",
        data=b'{"JobName": "signed-job"}',
        headers={"X-Amz-Target": "AWSGlue.GetJob", "Content-Type": "application/x-amz-json-1.1"},
    )
    SigV4Auth(Credentials(*KEYS["admin"]), "glue", "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    status, body = post(secured.endpoint, b'{"JobName": "other-job"}', headers)
    assert (status, body["__type"]) == (403, "InvalidSignatureException")
    status, body = post(secured.endpoint, b'{"JobName": "signed-job"}', headers)
    assert status == 200, body


def post(endpoint: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(endpoint + "/", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_read_only_key_may_read_but_not_start(secured: Server, script: Path) -> None:
    create_job(as_(secured, "admin"), "reader-target", script)
    reader = as_(secured, "reader")
    assert reader.get_job(JobName="reader-target")["Job"]["Name"] == "reader-target"
    assert "reader-target" in reader.list_jobs()["JobNames"]
    code, status, message = error_of(lambda: reader.start_job_run(JobName="reader-target"))
    assert (code, status) == ("AccessDeniedException", 400)
    assert message == (
        f"User: arn:aws:iam::{ACCOUNT}:user/reader is not authorized to perform: "
        f"glue:StartJobRun on resource: {JOB_ARN}/reader-target because no identity-based "
        "policy allows the glue:StartJobRun action"
    )
    assert error_of(lambda: reader.delete_job(JobName="reader-target"))[0] == (
        "AccessDeniedException"
    )
    logs = as_(secured, "reader", "logs")
    assert "logGroups" in logs.describe_log_groups()


def test_an_explicit_deny_wins_over_an_allow(secured: Server, script: Path) -> None:
    operator = as_(secured, "operator")
    create_job(operator, "secret-payroll", script)
    create_job(operator, "public-report", script)
    code, _, message = error_of(lambda: operator.start_job_run(JobName="secret-payroll"))
    assert code == "AccessDeniedException"
    assert message == (
        f"User: arn:aws:iam::{ACCOUNT}:user/ops/operator is not authorized to perform: "
        f"glue:StartJobRun on resource: {JOB_ARN}/secret-payroll with an explicit deny in an "
        "identity-based policy"
    )
    run_id = operator.start_job_run(JobName="public-report")["JobRunId"]
    assert wait_state(operator, "public-report", run_id, FINAL)["JobRunState"] == "SUCCEEDED"
    # logs: actions are not glue: ones; the operator's policy grants none.
    code, _, message = error_of(as_(secured, "operator", "logs").describe_log_groups)
    assert code == "AccessDeniedException"
    assert "logs:DescribeLogGroups" in message


def test_iam_get_role_is_subject_to_the_policy(secured: Server) -> None:
    role = as_(secured, "admin", "iam").get_role(RoleName="GlueRole")["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/GlueRole"
    code, status, message = error_of(
        lambda: as_(secured, "reader", "iam").get_role(RoleName="GlueRole")
    )
    assert (code, status) == ("AccessDenied", 403)
    assert f"iam:GetRole on resource: arn:aws:iam::{ACCOUNT}:role/GlueRole" in message


def test_events_need_a_signature(secured: Server) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(secured.endpoint + "/events", timeout=10)
    caught.value.close()
    assert caught.value.code == 403
    request = AWSRequest(method="GET", url=secured.endpoint + "/events")
    SigV4Auth(Credentials(*KEYS["admin"]), "glue", "us-east-1").add_auth(request)
    signed = urllib.request.Request(request.url, headers=dict(request.headers.items()))
    with urllib.request.urlopen(signed, timeout=10) as response:
        assert "events" in json.loads(response.read())
    with urllib.request.urlopen(secured.endpoint + "/", timeout=10) as response:
        assert response.status == 200  # the health check stays open


def test_only_a_run_may_commit_its_bookmark(secured: Server) -> None:
    body = {"JobName": "signed-job", "RunId": "jr_x", "BaseVersion": 0, "JobBookmark": "{}"}
    glue_target = {"X-Amz-Target": "Gluerun.CommitJobBookmark"}
    request = AWSRequest(
        method="POST", url=secured.endpoint + "/", data=json.dumps(body).encode(),
        headers={**glue_target, "Content-Type": "application/x-amz-json-1.1"},
    )  # fmt: skip
    SigV4Auth(Credentials(*KEYS["admin"]), "glue", "us-east-1").add_auth(request)
    status, answer = post(secured.endpoint, request.body, dict(request.headers.items()))
    assert (status, answer["__type"]) == (400, "AccessDeniedException")
    forged = {**glue_target, "X-Gluerun-Run-Token": "jr_x.0000"}
    status, answer = post(secured.endpoint, json.dumps(body).encode(), forged)
    assert (status, answer["__type"]) == (400, "AccessDeniedException")


def test_gluerun_runs_signs_with_the_callers_credentials(secured: Server, script: Path) -> None:
    create_job(as_(secured, "admin"), "cli-listed", script)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GLUERUN_"))}
    command = [str(BIN / "gluerun"), "runs", "cli-listed", "--endpoint-url", secured.endpoint]
    signed = {
        **base,
        "AWS_ACCESS_KEY_ID": KEYS["admin"][0],
        "AWS_SECRET_ACCESS_KEY": KEYS["admin"][1],
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }
    ok = subprocess.run(command, env=signed, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    anonymous = {**signed, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    refused = subprocess.run(command, env=anonymous, capture_output=True, text=True, check=False)
    assert refused.returncode != 0
    assert "UnrecognizedClientException" in refused.stderr


def test_a_run_token_opens_nothing_but_its_bookmark_calls(secured: Server) -> None:
    token = {"X-Gluerun-Run-Token": "jr_x.0000"}
    request = urllib.request.Request(secured.endpoint + "/events", headers=token)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    caught.value.close()
    assert caught.value.code == 400  # AccessDeniedException
    status, answer = post(secured.endpoint, b"{}", {**token, "X-Amz-Target": "AWSGlue.GetJobs"})
    assert (status, answer["__type"]) == (400, "AccessDeniedException")
    form = {**token, "Content-Type": "application/x-www-form-urlencoded"}
    sts = urllib.request.Request(
        secured.endpoint + "/",
        data=b"Action=GetCallerIdentity&Version=2011-06-15",
        headers=form,
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(sts, timeout=10)
    with refused.value:
        assert refused.value.code == 403
        assert b"<Code>AccessDenied</Code>" in refused.value.read()
