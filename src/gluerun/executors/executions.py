"""A job process as the server sees it: its run directory, and its execution (live or reattached).

`LiveExecution` is a process this server started: a reaper thread waits for it without
polling. `ReattachedExecution` is one started before this server (re)started, so not its
child: it is polled. Both learn how the job ended from the exit code the wrapper shell recorded
in the run directory, or else from how the shell itself ended.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from pathlib import Path

import psutil

from gluerun.errors import ExecutorError
from gluerun.executors._process import KILL_TIMEOUT, ProcessTree, find_process, is_alive
from gluerun.executors.base import ExitStatus, ProcessHandle, RunAs
from gluerun.executors.failure import describe_exit, read_exit_code

log = logging.getLogger(__name__)

#: files in a run directory
STDOUT_LOG = "stdout.log"
STDERR_LOG = "stderr.log"
EXIT_CODE = "exit_code"
#: run-directory files (``*.private``) holding secrets the job needs only to start, such as
#: spark-submit's private properties: removed once the run has ended
PRIVATE_SUFFIX = ".private"

#: how often a reattached (not our child) process is checked
_REATTACH_POLL = 0.05


def make_run_dir(path: Path) -> Path:
    """Create the run directory (absolute) or fail the launch."""
    run_dir = path.resolve()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExecutorError(f"Cannot create the run directory {run_dir}: {exc}") from exc
    return run_dir


def note(run_dir: Path, line: str) -> None:
    """Append gluerun's own line about preparing the run to its stderr.log."""
    try:
        with (run_dir / STDERR_LOG).open("a", encoding="utf-8") as err:
            err.write(f"gluerun: {line}\n")
    except OSError as exc:
        raise ExecutorError(f"Cannot write the run's log in {run_dir}: {exc}") from exc


def _status_after_exit(
    run_dir: Path, returncode: int | None, killed_by: int, tail_bytes: int
) -> ExitStatus:
    """How a job ended, once its wrapper shell is gone."""
    code = read_exit_code(run_dir / EXIT_CODE)
    if code is None:
        # The shell died before recording (it was signalled along with the script).
        if returncode is not None and returncode != 0:
            code = returncode
        elif killed_by:
            code = -killed_by
        else:
            return ExitStatus(None, "The job process ended without recording its exit code")
    return describe_exit(code, run_dir / STDERR_LOG, tail_bytes)


def _after_end(run_as: RunAs | None, run_dir: Path) -> None:
    """Tidy the run directory of a run that ended: no secrets left, the server's again."""
    for path in run_dir.glob(f"*{PRIVATE_SUFFIX}"):
        try:
            path.unlink()
        except OSError as exc:
            log.warning("cannot remove %s: %s", path, exc)
    if run_as is not None:
        try:
            run_as.take_back(run_dir)
        except OSError as exc:  # the run's status matters more than its directory's owner
            log.warning("cannot take back run directory %s: %s", run_dir, exc)


class LiveExecution:
    """A job process this server started: a reaper thread waits for it without polling."""

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        handle: ProcessHandle,
        tail: int,
        run_as: RunAs | None = None,
    ) -> None:
        self._popen = popen
        self._handle = handle
        self._tail_bytes = tail
        self._run_as = run_as
        self._tree = ProcessTree(handle.pid, handle.started)
        self._kill_lock = threading.Lock()
        self._killed_by = 0
        self._done = threading.Event()
        self._status: ExitStatus | None = None
        self._reaper = threading.Thread(
            target=self._reap, name=f"gluerun-reaper-{handle.pid}", daemon=True
        )
        self._reaper.start()

    @property
    def handle(self) -> ProcessHandle:
        return self._handle

    def _reap(self) -> None:
        status = ExitStatus(None, "The job process could not be watched")
        try:
            returncode = self._popen.wait()
            status = _status_after_exit(
                self._handle.run_dir, returncode, self._killed_by, self._tail_bytes
            )
            _after_end(self._run_as, self._handle.run_dir)
        finally:
            self._status = status
            self._done.set()

    def wait(self, timeout: float | None = None) -> ExitStatus | None:
        """The exit status once the script ended, or None after `timeout` seconds."""
        if not self._done.wait(timeout):
            return None
        return self._status

    def kill(self, grace: float = 5.0) -> None:
        """End the whole tree: SIGTERM, SIGKILL after `grace` s. Idempotent; blocks until gone."""
        with self._kill_lock:
            signum = self._tree.kill(grace)
            if signum and not self._killed_by:
                self._killed_by = signum
            # The reaper reaps the wrapper shell at once; waiting for it keeps kill() honest.
            self._done.wait(KILL_TIMEOUT)


class ReattachedExecution:
    """A job process started before this server (re)started: polled, as it is not our child."""

    def __init__(self, handle: ProcessHandle, tail: int, run_as: RunAs | None = None) -> None:
        self._handle = handle
        self._tail_bytes = tail
        self._run_as = run_as
        self._tree = ProcessTree(handle.pid, handle.started)
        self._proc: psutil.Process | None = find_process(handle.pid, handle.started)
        self._kill_lock = threading.Lock()
        self._killed_by = 0

    @property
    def handle(self) -> ProcessHandle:
        return self._handle

    def _running(self) -> bool:
        return self._proc is not None and is_alive(self._proc)

    def wait(self, timeout: float | None = None) -> ExitStatus | None:
        """Poll every 50 ms until the wrapper is gone, then read its recorded exit code."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._running():
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                time.sleep(min(_REATTACH_POLL, remaining))
            else:
                time.sleep(_REATTACH_POLL)
        status = _status_after_exit(self._handle.run_dir, None, self._killed_by, self._tail_bytes)
        _after_end(self._run_as, self._handle.run_dir)
        return status

    def kill(self, grace: float = 5.0) -> None:
        """End the whole tree: SIGTERM, SIGKILL after `grace` s. Idempotent; blocks until gone."""
        with self._kill_lock:
            signum = self._tree.kill(grace)
            if signum and not self._killed_by:
                self._killed_by = signum
