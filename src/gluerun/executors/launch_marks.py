"""Marks a launch leaves in its run directory, so a restarted server knows whether it spawned.

A server can die (kill -9, the out-of-memory killer) after a run's process started but before
the store learnt its pid. Without a record on disk, the restarted server could only guess, and
guessing "never started" runs the job twice. So:

- The wrapper shell *claims* the run directory before it runs the job: it writes its pid to a
  temporary file and hard-links it to ``pid``. link(2) fails when ``pid`` exists, atomically,
  so at most one claim ever wins.
- Right after spawning, the server records the process's pid and start time in ``process``
  (psutil's create_time), so a reused pid is never mistaken for the run's process.
- A restarted server that finds no claim places a *tombstone* the same way. If its link wins,
  no process of that launch will ever run the job (a wrapper forked just before the crash finds
  ``pid`` taken and exits), so the run can be launched again; if it loses, ``pid`` names the
  process that does run the job, and the server reattaches to it or reads how it ended.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shlex
import shutil
from pathlib import Path

import psutil

from gluerun.executors.base import ProcessHandle

#: the claim: the wrapper's pid, or TOMBSTONE
PID_MARK = "pid"
#: the server's record of the spawned process: {"pid": ..., "started": ...}
PROCESS_MARK = "process"
TOMBSTONE = "never-started"
#: exit status of a wrapper that found the run directory already claimed
CLAIM_LOST_EXIT = 125


def claim_command() -> str:
    """The wrapper's first command: claim the run directory, or exit without running the job."""
    ln = shlex.quote(shutil.which("ln", path=os.defpath) or "ln")
    rm = shlex.quote(shutil.which("rm", path=os.defpath) or "rm")
    tmp = shlex.quote(PID_MARK + ".tmp")
    message = shlex.quote("gluerun: this run's directory was claimed by another launch")
    return (
        f"{{ echo $$ > {tmp} && {ln} {tmp} {PID_MARK} 2>/dev/null && {rm} -f {tmp}; }}"
        f" || {{ echo {message} >&2; exit {CLAIM_LOST_EXIT}; }}"
    )


def record_process(run_dir: Path, pid: int, started: float) -> None:
    """Write the ``process`` mark (atomically); a failure leaves the ``pid`` claim to go by."""
    tmp = run_dir / (PROCESS_MARK + ".tmp")
    with contextlib.suppress(OSError):
        tmp.write_text(json.dumps({"pid": pid, "started": started}))
        tmp.replace(run_dir / PROCESS_MARK)


def find_launch(run_dir: Path, not_before: float) -> ProcessHandle | None:
    """The process a launch into `run_dir` started, or None once none ever will.

    `not_before` is when the run was claimed: a process identified by its pid alone (no
    ``process`` mark) must have started after it, with the run directory as its cwd.
    On None the directory is moved aside and deleted, so a new launch starts afresh.
    """
    if not run_dir.is_dir():
        return None
    claimed = _read(run_dir / PID_MARK)
    if claimed is None and _claim(run_dir, TOMBSTONE):
        claimed = TOMBSTONE
    elif claimed is None:
        claimed = _read(run_dir / PID_MARK)
    if claimed is None or claimed == TOMBSTONE or not claimed.isdecimal():
        _discard(run_dir)
        return None
    return _handle(run_dir, int(claimed), not_before)


def recorded_process(run_dir: Path) -> ProcessHandle | None:
    """The process the server recorded spawning into `run_dir`, if it recorded one."""
    try:
        recorded = json.loads((run_dir / PROCESS_MARK).read_text())
        return ProcessHandle(int(recorded["pid"]), float(recorded["started"]), run_dir)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _claim(run_dir: Path, content: str) -> bool:
    """Link a file holding `content` to ``pid``: True if this claim won."""
    tmp = run_dir / f"{PID_MARK}.{secrets.token_hex(6)}"
    tmp.write_text(content)
    try:
        os.link(tmp, run_dir / PID_MARK)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _discard(run_dir: Path) -> None:
    """Move a never-started launch's directory aside (atomically), then delete it."""
    aside = run_dir.with_name(f"{run_dir.name}.{TOMBSTONE}-{secrets.token_hex(4)}")
    with contextlib.suppress(OSError):
        run_dir.rename(aside)
    shutil.rmtree(aside, ignore_errors=True)


def _handle(run_dir: Path, pid: int, not_before: float) -> ProcessHandle:
    """The handle of the claiming process `pid`; started 0.0 when it is gone (never matches)."""
    try:
        recorded = json.loads((run_dir / PROCESS_MARK).read_text())
        if int(recorded["pid"]) == pid:
            return ProcessHandle(pid, float(recorded["started"]), run_dir)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    # Killed between spawning and writing the mark: identify the process by its cwd and age.
    try:
        proc = psutil.Process(pid)
        started = float(proc.create_time())
        if Path(proc.cwd()).resolve() == run_dir.resolve() and started >= not_before - 1.0:
            return ProcessHandle(pid, started, run_dir)
    except (psutil.Error, OSError):
        pass
    return ProcessHandle(pid, 0.0, run_dir)
