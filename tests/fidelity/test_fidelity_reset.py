"""The test-suite reset: POST /moto-api/reset and /gluerun/reset, only when enabled."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from fidelitylib import post
from live_server import Server, pid_alive, wait_state

SHELL = {"Name": "pythonshell", "ScriptLocation": "/nowhere.py"}


@pytest.mark.parametrize("path", ["/moto-api/reset", "/gluerun/reset"])
def test_reset_stops_every_run_and_empties_all_state(
    server: Server, glue: Any, script: Callable[..., str], path: str
) -> None:
    sleeper = script("import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(600)\n")
    glue.create_job(
        Name="long", Role="r", Command={"Name": "pythonshell", "ScriptLocation": sleeper}
    )
    glue.create_trigger(Name="t", Type="ON_DEMAND", Actions=[{"JobName": "long"}], Tags={"a": "b"})
    run_id = glue.start_job_run(JobName="long")["JobRunId"]
    wait_state(glue, "long", run_id, {"RUNNING"})
    logs = server.client("logs")
    pid = _first_line(logs, run_id)

    status, body = post(server.endpoint + path)

    assert status == 200, body
    assert not pid_alive(pid)
    assert glue.list_jobs()["JobNames"] == []
    assert glue.get_triggers()["Triggers"] == []
    assert logs.describe_log_groups()["logGroups"] == []
    # a fresh job of the same name starts with no history
    glue.create_job(Name="long", Role="r", Command=SHELL)
    assert glue.get_job_runs(JobName="long")["JobRuns"] == []


def _first_line(logs: Any, run_id: str) -> int:
    """The first line the run printed (its pid), once the log collector has it."""
    for _ in range(200):
        try:
            found = logs.get_log_events(
                logGroupName="/aws-glue/jobs/output", logStreamName=run_id, startFromHead=True
            )["events"]
        except ClientError:
            found = []
        if found:
            return int(found[0]["message"])
        time.sleep(0.05)
    raise TimeoutError("the job printed no pid")


def test_reset_is_off_unless_enabled(tmp_path: Path) -> None:
    plain = Server(tmp_path / "data")
    plain.start()
    try:
        glue = plain.client()
        glue.create_job(Name="kept", Role="r", Command=SHELL)
        for path in ("/moto-api/reset", "/gluerun/reset"):
            assert post(plain.endpoint + path)[0] == 404
        assert glue.list_jobs()["JobNames"] == ["kept"]
    finally:
        plain.shutdown()
