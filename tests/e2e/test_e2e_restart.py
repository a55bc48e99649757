"""Durability: a restart keeps everything; kill -9 never leaves a run STARTING/RUNNING."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import FINAL, Server, pid_alive, wait_state


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path / "data")
    server.start()
    yield server
    server.shutdown()


def job(glue: Any, name: str, path: str, **extra: Any) -> None:
    glue.create_job(
        Name=name, Role="r", Command={"Name": "pythonshell", "ScriptLocation": path}, **extra
    )


def wait_file(path: Path, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.05)
    raise TimeoutError(str(path))


def test_sigterm_restart_keeps_jobs_runs_and_tags(srv: Server, script: Callable[..., str]) -> None:
    glue = srv.client()
    job(glue, "kept", script("print(1)"), Tags={"t": "1"})
    run_id = glue.start_job_run(JobName="kept")["JobRunId"]
    wait_state(glue, "kept", run_id, FINAL)
    assert srv.stop() == 0
    srv.start()
    glue = srv.client()
    assert glue.get_job(JobName="kept")["Job"]["Name"] == "kept"
    assert glue.get_job_run(JobName="kept", RunId=run_id)["JobRun"]["JobRunState"] == "SUCCEEDED"
    assert glue.get_tags(ResourceArn="arn:aws:glue:us-east-1:123456789012:job/kept")["Tags"] == {
        "t": "1"
    }


def test_sigint_shuts_down_cleanly(srv: Server) -> None:
    assert srv.stop(signal.SIGINT) == 0


def test_kill9_then_restart_reattaches_to_a_live_run(
    srv: Server, script: Callable[..., str], tmp_path: Path
) -> None:
    marker = tmp_path / "started"
    glue = srv.client()
    job(
        glue,
        "survivor",
        script(f"import time; open({str(marker)!r}, 'w').write('x'); time.sleep(3)"),
    )
    run_id = glue.start_job_run(JobName="survivor")["JobRunId"]
    wait_state(glue, "survivor", run_id, {"RUNNING"})
    wait_file(marker)
    srv.stop(signal.SIGKILL)
    srv.start()
    glue = srv.client()
    run = wait_state(glue, "survivor", run_id, FINAL)
    assert run["JobRunState"] == "SUCCEEDED"


def test_kill9_with_the_job_gone_fails_and_retries(
    srv: Server, script: Callable[..., str], tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    source = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(300)"
    )
    glue = srv.client()
    job(glue, "lost", script(source), MaxRetries=1)
    run_id = glue.start_job_run(JobName="lost")["JobRunId"]
    wait_state(glue, "lost", run_id, {"RUNNING"})
    job_pid = int(wait_file(pid_file))
    srv.stop(signal.SIGKILL)
    os.killpg(os.getpgid(job_pid), signal.SIGKILL)
    deadline = time.monotonic() + 5
    while pid_alive(job_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    pid_file.unlink()
    srv.start()
    glue = srv.client()
    run = wait_state(glue, "lost", run_id, FINAL)
    assert run["JobRunState"] == "FAILED"
    assert "gluerun" in run["ErrorMessage"]
    retry = f"{run_id}_attempt_1"
    wait_state(glue, "lost", retry, {"RUNNING"})
    retry_pid = int(wait_file(pid_file))
    glue.batch_stop_job_run(JobName="lost", JobRunIds=[retry])
    assert wait_state(glue, "lost", retry, FINAL)["JobRunState"] == "STOPPED"
    assert not pid_alive(retry_pid)


def test_kill9_after_the_job_finished_reads_its_exit_status(
    srv: Server, script: Callable[..., str], tmp_path: Path
) -> None:
    release = tmp_path / "release"
    marker = tmp_path / "started"
    source = (
        "import os, time\n"
        f"open({str(marker)!r}, 'w').write('x')\n"
        f"while not os.path.exists({str(release)!r}): time.sleep(0.02)\n"
        "raise SystemExit(4)\n"
    )
    glue = srv.client()
    job(glue, "ended", script(source))
    run_id = glue.start_job_run(JobName="ended")["JobRunId"]
    wait_state(glue, "ended", run_id, {"RUNNING"})
    wait_file(marker)
    srv.stop(signal.SIGKILL)
    release.write_text("go")
    time.sleep(0.5)
    srv.start()
    run = wait_state(srv.client(), "ended", run_id, FINAL)
    assert run["JobRunState"] == "FAILED"
    assert "exit code 4" in run["ErrorMessage"]
    assert json.loads(json.dumps(run["Attempt"])) == 0
