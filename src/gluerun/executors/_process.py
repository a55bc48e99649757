"""Process identity and process-tree killing for job processes.

A job runs as the leader of its own session and process group; the tree is the group plus
every descendant seen, even one that left the group (setsid/setpgid).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable

import psutil

from gluerun.errors import ExecutorError

#: how far a stored start time may be from the live process's (psutil reads it in jiffies)
START_TIME_TOLERANCE = 0.05
#: how long processes get to vanish after SIGKILL before kill() gives up
KILL_TIMEOUT = 10.0
_POLL_MIN = 0.005
_POLL_MAX = 0.05


def start_time(pid: int) -> float | None:
    """The start time (epoch seconds) of process `pid`, or None if there is none."""
    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def is_alive(proc: psutil.Process) -> bool:
    """Whether `proc` (the very process, not a reuse of its pid) still runs; zombies don't."""
    try:
        return bool(proc.is_running()) and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def find_process(pid: int, started: float) -> psutil.Process | None:
    """The live process `pid` if it started at `started` (± the tolerance), else None."""
    try:
        proc = psutil.Process(pid)
        if abs(float(proc.create_time()) - started) > START_TIME_TOLERANCE:
            return None
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return proc if is_alive(proc) else None


class ProcessTree:
    """The process group led by one process, plus every descendant of it ever seen."""

    def __init__(self, pid: int, started: float) -> None:
        self.pid = pid
        self.started = started
        #: descendants seen so far, kept so those that leave the group are still ended
        self._seen: dict[int, psutil.Process] = {}

    def _group_members(self) -> list[psutil.Process]:
        members: list[psutil.Process] = []
        for pid in psutil.pids():
            try:
                if os.getpgid(pid) == self.pid:
                    members.append(psutil.Process(pid))
            except (ProcessLookupError, psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return members

    def capture(self) -> list[psutil.Process]:
        """Record every live member and descendant now; return all recorded that still live."""
        roots = self._group_members()
        leader = find_process(self.pid, self.started)
        if leader is not None:
            roots.append(leader)
        for root in roots:
            self._seen.setdefault(root.pid, root)
            try:
                for child in root.children(recursive=True):
                    self._seen.setdefault(child.pid, child)
            except psutil.NoSuchProcess:
                continue
        return self.alive()

    def alive(self) -> list[psutil.Process]:
        """The recorded processes that still live, plus live members of the group."""
        live = {p.pid: p for p in self._seen.values() if is_alive(p)}
        for member in self._group_members():
            if member.pid not in live and is_alive(member):
                live[member.pid] = member
        return list(live.values())

    def signal(self, signum: int, procs: list[psutil.Process]) -> None:
        """Send `signum` to the group (if it still has members) and to each of `procs`."""
        if self._group_members():
            # A group id cannot be reused while the group has members, so this is still ours.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signum)
        for proc in procs:
            try:
                proc.send_signal(signum)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue

    def wait_gone(self, timeout: float, reap: Callable[[], object] | None = None) -> bool:
        """Wait up to `timeout` seconds for the tree to be gone; call `reap` on each check."""
        deadline = time.monotonic() + timeout
        delay = _POLL_MIN
        while True:
            if reap is not None:
                reap()
            if not self.alive():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, _POLL_MAX)

    def kill(self, grace: float, reap: Callable[[], object] | None = None) -> int:
        """SIGTERM the tree, SIGKILL what is left after `grace` s; return once it is gone.

        Returns the last signal sent, or 0 when nothing of the tree was alive.

        Raises:
            ExecutorError: processes survived SIGKILL for KILL_TIMEOUT seconds.
        """
        procs = self.capture()
        if not procs:
            return 0
        self.signal(signal.SIGTERM, procs)
        if self.wait_gone(max(grace, 0.0), reap):
            return signal.SIGTERM
        procs = self.capture()
        self.signal(signal.SIGKILL, procs)
        if self.wait_gone(KILL_TIMEOUT, reap):
            return signal.SIGKILL
        pids = sorted(p.pid for p in self.alive())
        raise ExecutorError(f"Processes {pids} of the job survived SIGKILL")
