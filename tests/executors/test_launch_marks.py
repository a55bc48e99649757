"""Launch marks on real processes: a restarted server finds a launch's process, or makes sure
none ever runs the job (the crash window between spawning a run and storing its pid)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from executor_support import TIMEOUT, MakeRequest, WriteScript, wait_for_line

from gluerun.executors import launch_marks
from gluerun.executors.base import ExitStatus
from gluerun.executors.subprocess import SubprocessExecutor


def test_a_launch_is_found_by_its_process_mark(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    request = make_request(write_script("import time\nprint('up', flush=True)\ntime.sleep(300)\n"))
    execution = executor.launch(request)
    try:
        wait_for_line(request.run_dir / "stdout.log")
        assert executor.find_launch(request.run_dir, time.time() - 60) == execution.handle
        assert executor.reattach(execution.handle) is not None
    finally:
        execution.kill(grace=0)


def test_without_the_process_mark_the_claim_and_cwd_identify_the_process(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    """Killed between spawning and recording: the wrapper's own claim names the process."""
    script = write_script("import time\nprint('up', flush=True)\ntime.sleep(300)\n")
    request = make_request(script)
    execution = executor.launch(request)
    try:
        wait_for_line(request.run_dir / "stdout.log")
        (request.run_dir / launch_marks.PROCESS_MARK).unlink()
        found = executor.find_launch(request.run_dir, time.time() - 60)
        assert found is not None and found.pid == execution.handle.pid
        assert abs(found.started - execution.handle.started) < 0.05
        # A process that started before the run was claimed is not the run's.
        late = executor.find_launch(request.run_dir, time.time() + 60)
        assert late is not None and executor.reattach(late) is None
    finally:
        execution.kill(grace=0)


def test_an_ended_launch_without_marks_is_read_from_its_exit_code(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    request = make_request(write_script("print('done')\n"))
    assert executor.launch(request).wait(TIMEOUT) == ExitStatus(0)
    (request.run_dir / launch_marks.PROCESS_MARK).unlink()
    found = executor.find_launch(request.run_dir, time.time() - 60)
    assert found is not None
    assert executor.reattach(found) is None
    assert executor.finished_status(found) == ExitStatus(0)


def test_an_unclaimed_directory_is_tombstoned_and_discarded(
    executor: SubprocessExecutor, tmp_path: Path
) -> None:
    run_dir = tmp_path / "runs" / "jr_x"
    run_dir.mkdir(parents=True)
    (run_dir / "job.py").write_text("print(1)\n")
    assert executor.find_launch(run_dir, 0.0) is None
    assert not run_dir.exists()
    assert os.listdir(run_dir.parent) == []
    assert executor.find_launch(tmp_path / "runs" / "never-made", 0.0) is None


def test_a_wrapper_that_loses_the_claim_never_runs_the_job(
    executor: SubprocessExecutor,
    make_request: MakeRequest,
    write_script: WriteScript,
    tmp_path: Path,
) -> None:
    """A wrapper forked just before the crash, slower than recovery's tombstone."""
    ran = tmp_path / "ran"
    request = make_request(write_script(f"open({str(ran)!r}, 'w').write('x')\n"))
    request.run_dir.mkdir(parents=True)
    (request.run_dir / launch_marks.PID_MARK).write_text(launch_marks.TOMBSTONE)
    status = executor.launch(request).wait(TIMEOUT)
    assert status is not None and status.code == launch_marks.CLAIM_LOST_EXIT
    assert not ran.exists()


def test_a_tombstone_left_by_an_interrupted_recovery_still_means_never_started(
    executor: SubprocessExecutor, tmp_path: Path
) -> None:
    run_dir = tmp_path / "jr_y"
    run_dir.mkdir()
    (run_dir / launch_marks.PID_MARK).write_text(launch_marks.TOMBSTONE)
    assert executor.find_launch(run_dir, 0.0) is None
    assert not run_dir.exists()


def test_recovery_racing_a_fresh_wrapper_leaves_exactly_one_outcome(
    executor: SubprocessExecutor,
    make_request: MakeRequest,
    write_script: WriteScript,
    tmp_path: Path,
) -> None:
    """Whoever claims first wins: the job runs if and only if recovery found its process."""
    for n in range(5):
        ledger = tmp_path / f"ledger-{n}"
        request = make_request(write_script(f"open({str(ledger)!r}, 'a').write('ran\\n')\n"))
        execution = executor.launch(request)
        found = executor.find_launch(request.run_dir, time.time() - 60)
        status = execution.wait(TIMEOUT)
        assert status is not None
        ran = ledger.exists() and ledger.read_text() == "ran\n"
        assert ran == (found is not None), (n, status)
