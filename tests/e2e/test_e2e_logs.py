"""Run logs through the CloudWatch Logs API on the Glue port, and the `gluerun logs/runs` CLI."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from live_server import FINAL, Server, wait_state

OUT, ERR = "/aws-glue/jobs/output", "/aws-glue/jobs/error"
GLUERUN = str(Path(sys.executable).parent / "gluerun")

TICKER = """
import sys, time
for i in range(6):
    print(f"tick {i}", flush=True)
    time.sleep(0.4)
print("warning: almost done", file=sys.stderr)
raise ValueError("the end")
"""


@pytest.fixture(scope="module")
def logs(server: Server) -> Any:
    return server.client("logs")


def start(glue: Any, name: str, source: str, script: Callable[..., str]) -> str:
    glue.create_job(
        Name=name, Role="r", Command={"Name": "pythonshell", "ScriptLocation": script(source)}
    )
    return str(glue.start_job_run(JobName=name)["JobRunId"])


def lines(page: dict[str, Any]) -> list[str]:
    return [e["message"] for e in page["events"]]


def test_live_tail_tokens_and_final_logs(glue: Any, logs: Any, script: Callable[..., str]) -> None:
    run_id = start(glue, "ticker", TICKER, script)
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_log_events(logGroupName=OUT, logStreamName="jr_not_yet")
    deadline = time.monotonic() + 10
    first: dict[str, Any] = {"events": []}
    while not first["events"] and time.monotonic() < deadline:
        time.sleep(0.2)
        try:
            first = logs.get_log_events(logGroupName=OUT, logStreamName=run_id, startFromHead=True)
        except logs.exceptions.ResourceNotFoundException:
            continue
    assert glue.get_job_run(JobName="ticker", RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING"
    seen = lines(first)
    token = first["nextForwardToken"]
    run = wait_state(glue, "ticker", run_id, FINAL)
    rest = logs.get_log_events(logGroupName=OUT, logStreamName=run_id, nextToken=token)
    assert seen + lines(rest) == [f"tick {i}" for i in range(6)]
    end = logs.get_log_events(
        logGroupName=OUT, logStreamName=run_id, nextToken=rest["nextForwardToken"]
    )
    assert end["events"] == [] and end["nextForwardToken"] == rest["nextForwardToken"]
    started_ms = int(run["StartedOn"].timestamp() * 1000)
    assert all(e["timestamp"] >= started_ms for e in first["events"] + rest["events"])
    errors = lines(logs.get_log_events(logGroupName=ERR, logStreamName=run_id, startFromHead=True))
    assert "warning: almost done" in errors and "ValueError: the end" in errors
    assert errors[-1] == "gluerun: run ended FAILED: ValueError: the end"


def test_get_log_events_without_start_from_head_returns_the_newest(
    glue: Any, logs: Any, script: Callable[..., str]
) -> None:
    run_id = start(glue, "many-lines", "for i in range(50): print(i)", script)
    wait_state(glue, "many-lines", run_id, FINAL)
    newest = logs.get_log_events(logGroupName=OUT, logStreamName=run_id, limit=5)
    assert lines(newest) == ["45", "46", "47", "48", "49"]
    older = logs.get_log_events(
        logGroupName=OUT, logStreamName=run_id, limit=5, nextToken=newest["nextBackwardToken"]
    )
    assert lines(older) == ["40", "41", "42", "43", "44"]


def test_filter_log_events_paginates_and_resumes(
    glue: Any, logs: Any, script: Callable[..., str]
) -> None:
    run_id = start(
        glue, "filtered", "for i in range(30): print('even' if i % 2 == 0 else 'odd', i)", script
    )
    run = wait_state(glue, "filtered", run_id, FINAL)
    pages = list(
        logs.get_paginator("filter_log_events").paginate(
            logGroupName=OUT,
            logStreamNames=[run_id],
            startTime=int(run["StartedOn"].timestamp() * 1000),
            filterPattern="even",
            PaginationConfig={"PageSize": 4},
        )
    )
    got = [e["message"] for page in pages for e in page["events"]]
    assert got == [f"even {i}" for i in range(0, 30, 2)]
    assert all("nextToken" in page for page in pages if page["events"])
    assert "nextToken" not in pages[-1] and pages[-1]["events"] == []
    resumed = logs.filter_log_events(
        logGroupName=OUT, logStreamNames=[run_id], nextToken=pages[0]["nextToken"]
    )
    assert resumed["events"][0]["message"] == "odd 7"


def test_describe_groups_and_streams(glue: Any, logs: Any, script: Callable[..., str]) -> None:
    run_id = start(glue, "described", "print('x')", script)
    wait_state(glue, "described", run_id, FINAL)
    groups = [
        g["logGroupName"]
        for g in logs.describe_log_groups(logGroupNamePrefix="/aws-glue")["logGroups"]
    ]
    assert groups == [ERR, OUT]
    streams = logs.describe_log_streams(logGroupName=OUT, logStreamNamePrefix=run_id)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [run_id]
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.describe_log_streams(logGroupName="/nope")
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.get_log_events(logGroupName=OUT, logStreamName=run_id, limit=20000)


def test_cli_logs_follow_and_runs(glue: Any, server: Server, script: Callable[..., str]) -> None:
    run_id = start(glue, "cli-follow", TICKER, script)
    env = {"GLUERUN_ENDPOINT_URL": server.endpoint, "PATH": "/usr/bin:/bin"}
    followed = subprocess.run(
        [GLUERUN, "logs", run_id, "--follow"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert followed.stdout.splitlines() == [f"tick {i}" for i in range(6)]
    assert "gluerun: run ended FAILED: ValueError: the end" in followed.stderr
    table = subprocess.run(
        [GLUERUN, "runs", "cli-follow"], env=env, capture_output=True, text=True, check=True
    )
    assert run_id in table.stdout and "FAILED" in table.stdout
    missing = subprocess.run([GLUERUN, "runs", "ghost"], env=env, capture_output=True, text=True)
    assert missing.returncode == 1


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "data")
    srv.start()
    yield srv
    srv.shutdown()


def test_logs_survive_restart_and_memory_stays_bounded(
    own_server: Server, script: Callable[..., str]
) -> None:
    glue = own_server.client()
    # ~40 MB of output: the server must stream it, not hold it.
    source = (
        "import sys\nline = 'z' * 199 + '\\n'\nfor _ in range(200_000): sys.stdout.write(line)\n"
    )
    run_id = start(glue, "loud", source, script)
    assert own_server.proc is not None
    server = psutil.Process(own_server.proc.pid)
    peak = 0
    while glue.get_job_run(JobName="loud", RunId=run_id)["JobRun"]["JobRunState"] not in FINAL:
        peak = max(peak, server.memory_info().rss)
        time.sleep(0.1)
    assert peak < 400 * 1024 * 1024
    own_server.stop()
    own_server.start()
    logs = own_server.client("logs")
    stream = logs.describe_log_streams(logGroupName=OUT, logStreamNamePrefix=run_id)["logStreams"][
        0
    ]
    assert stream["storedBytes"] == 199 * 200_000
    tail = logs.get_log_events(logGroupName=OUT, logStreamName=run_id, limit=1)
    assert lines(tail) == ["z" * 199]


def test_describe_log_groups_name_pattern_is_a_case_insensitive_substring(
    glue: Any, logs: Any, script: Callable[..., str]
) -> None:
    run_id = start(glue, "patterned", "print('p')", script)
    wait_state(glue, "patterned", run_id, FINAL)
    found = logs.describe_log_groups(logGroupNamePattern="OUTPUT")["logGroups"]
    assert [g["logGroupName"] for g in found] == [OUT]
    assert logs.describe_log_groups(logGroupNamePattern="nomatch")["logGroups"] == []


def test_a_script_named_like_a_module_gets_a_warning(
    glue: Any, logs: Any, script: Callable[..., str]
) -> None:
    location = script("print('fine')", "json.py")
    glue.create_job(
        Name="shadow", Role="r", Command={"Name": "pythonshell", "ScriptLocation": location}
    )
    run_id = glue.start_job_run(JobName="shadow")["JobRunId"]
    assert wait_state(glue, "shadow", run_id, FINAL)["JobRunState"] == "SUCCEEDED"
    errors = lines(logs.get_log_events(logGroupName=ERR, logStreamName=run_id, startFromHead=True))
    assert any("json.py shadows the module 'json'" in line for line in errors), errors
