"""Draining on SIGTERM (GLUERUN_DRAIN_SECONDS): no new claims, runs finish, API serves meanwhile."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import FINAL, Server, wait_state

JOB = """
import time
from pathlib import Path
release = Path({release!r})
deadline = time.time() + 60
while not release.exists() and time.time() < deadline:
    time.sleep(0.05)
"""


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path / "data", env={"GLUERUN_DRAIN_SECONDS": "60"})
    server.start()
    yield server
    server.shutdown()


def wait_for_log(srv: Server, text: str, timeout: float = 30.0) -> None:
    """Until the server's log holds `text` (click flushes each line it echoes)."""
    log = srv.data_dir.parent / f"server-{srv.port}.log"
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{text!r} never appeared in {log}"
        time.sleep(0.05)


def test_sigterm_drains_the_running_run_and_claims_no_new_one(srv: Server, tmp_path: Path) -> None:
    release = tmp_path / "release"
    script = tmp_path / "held.py"
    script.write_text(JOB.format(release=str(release)))
    glue = srv.client()
    glue.create_job(
        Name="held",
        Role="r",
        Command={"Name": "pythonshell", "ScriptLocation": str(script)},
        ExecutionProperty={"MaxConcurrentRuns": 5},
    )
    running = glue.start_job_run(JobName="held")["JobRunId"]
    wait_state(glue, "held", running, {"RUNNING"})
    assert srv.proc is not None
    srv.proc.send_signal(signal.SIGTERM)
    wait_for_log(srv, "gluerun: draining")  # from here on, nothing new is claimed
    assert srv.proc.poll() is None, "still draining"
    later = glue.start_job_run(JobName="held")["JobRunId"]  # the API still serves
    time.sleep(1.5)  # two engine passes: it would have been claimed by now
    assert glue.get_job_run(JobName="held", RunId=later)["JobRun"]["JobRunState"] == "STARTING"
    release.touch()
    assert srv.proc.wait(timeout=30) == 0, "stops once its run ended"
    srv.log.close()
    srv.proc = None
    srv.start()
    glue = srv.client()
    assert glue.get_job_run(JobName="held", RunId=running)["JobRun"]["JobRunState"] == "SUCCEEDED"
    assert wait_state(glue, "held", later, FINAL)["JobRunState"] == "SUCCEEDED"
