"""Real pythonshell runs through boto3: states, arguments, failures, stop, retries, limits."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from live_server import FINAL, Server, pid_alive, wait_state

ECHO = """
import json, sys
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["JOB_NAME", "day"])
print(json.dumps(args))
"""


def make_job(glue: Any, name: str, script: str, **extra: Any) -> None:
    command = {"Name": "pythonshell", "ScriptLocation": script, "PythonVersion": "3.9"}
    glue.create_job(Name=name, Role="any", Command=command, **extra)


def test_hello_run_succeeds_with_resolved_arguments(
    glue: Any, server: Server, script: Callable[..., str]
) -> None:
    make_job(glue, "hello", script(ECHO), DefaultArguments={"--day": "default", "--x": "1"})
    run_id = glue.start_job_run(JobName="hello", Arguments={"--day": "2024-01-01"})["JobRunId"]
    run = wait_state(glue, "hello", run_id, FINAL)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert run["Arguments"] == {"--day": "2024-01-01"}
    assert run["Attempt"] == 0 and run["LogGroupName"] == "/aws-glue/jobs"
    assert run["CompletedOn"] >= run["StartedOn"] and isinstance(run["ExecutionTime"], int)
    out = (server.data_dir / "runs" / run_id / "stdout.log").read_text()
    resolved = json.loads(out)
    assert resolved["day"] == "2024-01-01" and resolved["JOB_NAME"] == "hello"
    assert resolved["job_bookmark_option"] == "job-bookmark-disable"


def test_file_uri_script_location(glue: Any, script: Callable[..., str]) -> None:
    make_job(glue, "file-uri", "file://" + script("print('ok')"))
    run_id = glue.start_job_run(JobName="file-uri")["JobRunId"]
    assert wait_state(glue, "file-uri", run_id, FINAL)["JobRunState"] == "SUCCEEDED"


def test_failure_reports_the_exception_line(glue: Any, script: Callable[..., str]) -> None:
    make_job(glue, "boom", script("def f():\n    raise ValueError('bad input 42')\nf()\n"))
    run_id = glue.start_job_run(JobName="boom")["JobRunId"]
    run = wait_state(glue, "boom", run_id, FINAL)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "ValueError: bad input 42"


def test_missing_script_fails_clearly(glue: Any) -> None:
    make_job(glue, "nofile", "/nonexistent/dir/job.py")
    run_id = glue.start_job_run(JobName="nofile")["JobRunId"]
    run = wait_state(glue, "nofile", run_id, FINAL)
    assert run["JobRunState"] == "FAILED"
    assert "/nonexistent/dir/job.py" in run["ErrorMessage"]


def test_failed_runs_are_retried_up_to_max_retries(glue: Any, script: Callable[..., str]) -> None:
    make_job(glue, "flaky", script("raise RuntimeError('always')"), MaxRetries=2)
    root = glue.start_job_run(JobName="flaky")["JobRunId"]
    last = f"{root}_attempt_2"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        runs = glue.get_job_runs(JobName="flaky")["JobRuns"]
        if runs and runs[0]["Id"] == last and runs[0]["JobRunState"] in FINAL:
            break
        time.sleep(0.1)
    runs = glue.get_job_runs(JobName="flaky")["JobRuns"]
    assert [r["Id"] for r in runs] == [last, f"{root}_attempt_1", root]
    assert [r["Attempt"] for r in runs] == [2, 1, 0]
    assert [r.get("PreviousRunId") for r in runs] == [f"{root}_attempt_1", root, None]
    assert {r["JobRunState"] for r in runs} == {"FAILED"}


def test_stop_ends_the_whole_process_tree(
    glue: Any, script: Callable[..., str], tmp_path: Path
) -> None:
    pids = tmp_path / "pids.json"
    source = f"""
import json, os, subprocess, time
child = subprocess.Popen(["sleep", "300"])
open({str(pids)!r}, "w").write(json.dumps([os.getpid(), child.pid]))
time.sleep(300)
"""
    make_job(glue, "sleeper", script(source))
    run_id = glue.start_job_run(JobName="sleeper")["JobRunId"]
    wait_state(glue, "sleeper", run_id, {"RUNNING"})
    deadline = time.monotonic() + 10
    while not pids.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    script_pid, child_pid = json.loads(pids.read_text())
    out = glue.batch_stop_job_run(JobName="sleeper", JobRunIds=[run_id, "jr_unknown"])
    assert out["SuccessfulSubmissions"] == [{"JobName": "sleeper", "JobRunId": run_id}]
    assert [e["JobRunId"] for e in out["Errors"]] == ["jr_unknown"]
    assert out["Errors"][0]["ErrorDetail"]["ErrorCode"] == "EntityNotFoundException"
    run = wait_state(glue, "sleeper", run_id, FINAL)
    assert run["JobRunState"] == "STOPPED" and run["ErrorMessage"]
    assert not pid_alive(script_pid) and not pid_alive(child_pid)
    again = glue.batch_stop_job_run(JobName="sleeper", JobRunIds=[run_id])
    assert again["SuccessfulSubmissions"] == []
    assert again["Errors"][0]["ErrorDetail"]["ErrorCode"] == "InvalidInputException"


def test_max_concurrent_runs_is_exact_under_parallel_requests(
    glue: Any, server: Server, script: Callable[..., str]
) -> None:
    make_job(
        glue,
        "limited",
        script("import time; time.sleep(3)"),
        ExecutionProperty={"MaxConcurrentRuns": 3},
    )

    def start(_: int) -> str:
        client = server.client()
        try:
            client.start_job_run(JobName="limited")
        except client.exceptions.ConcurrentRunsExceededException:
            return "rejected"
        return "started"

    with ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(start, range(24)))
    assert outcomes.count("started") == 3 and outcomes.count("rejected") == 21
    runs = glue.get_job_runs(JobName="limited")["JobRuns"]
    glue.batch_stop_job_run(JobName="limited", JobRunIds=[r["Id"] for r in runs])
    for run in runs:
        wait_state(glue, "limited", run["Id"], FINAL)


def test_queued_runs_wait_then_start(glue: Any, script: Callable[..., str]) -> None:
    make_job(glue, "queued", script("import time; time.sleep(1)"), JobRunQueuingEnabled=True)
    first = glue.start_job_run(JobName="queued")["JobRunId"]
    second = glue.start_job_run(JobName="queued")["JobRunId"]
    waiting = glue.get_job_run(JobName="queued", RunId=second)["JobRun"]
    assert waiting["JobRunState"] == "WAITING" and waiting["StateDetail"]
    assert wait_state(glue, "queued", first, FINAL)["JobRunState"] == "SUCCEEDED"
    assert wait_state(glue, "queued", second, FINAL)["JobRunState"] == "SUCCEEDED"


def test_run_level_queuing_overrides_the_job(glue: Any, script: Callable[..., str]) -> None:
    make_job(glue, "q-run", script("import time; time.sleep(1)"))
    first = glue.start_job_run(JobName="q-run")["JobRunId"]
    second = glue.start_job_run(JobName="q-run", JobRunQueuingEnabled=True)["JobRunId"]
    assert glue.get_job_run(JobName="q-run", RunId=second)["JobRun"]["JobRunState"] == "WAITING"
    glue.batch_stop_job_run(JobName="q-run", JobRunIds=[second])
    assert wait_state(glue, "q-run", second, FINAL)["JobRunState"] == "STOPPED"
    wait_state(glue, "q-run", first, FINAL)


def test_get_job_runs_pages_newest_first(glue: Any, script: Callable[..., str]) -> None:
    make_job(glue, "many", script("pass"), ExecutionProperty={"MaxConcurrentRuns": 100})
    ids = [glue.start_job_run(JobName="many")["JobRunId"] for _ in range(25)]
    pages = glue.get_paginator("get_job_runs").paginate(
        JobName="many", PaginationConfig={"PageSize": 10}
    )
    assert [r["Id"] for page in pages for r in page["JobRuns"]] == ids[::-1]
    assert (
        glue.get_job_run(JobName="many", RunId=ids[0], PredecessorsIncluded=True)["JobRun"][
            "PredecessorRuns"
        ]
        == []
    )
    for run_id in ids:
        wait_state(glue, "many", run_id, FINAL)


def test_unknown_job_and_run(glue: Any) -> None:
    for call in (
        lambda: glue.start_job_run(JobName="ghost"),
        lambda: glue.get_job_runs(JobName="ghost"),
        lambda: glue.get_job_run(JobName="ghost", RunId="jr_x"),
    ):
        with pytest.raises(glue.exceptions.EntityNotFoundException):
            call()
    make_job(glue, "known", "/x.py")
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_job_run(JobName="known", RunId="jr_nope")
