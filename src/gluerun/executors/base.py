"""The Executor interface every way of running a job implements (pythonshell, glueetl, ...).

The engine calls `launch` from a worker thread (it may block for downloads and installs),
`wait` from a per-run waiter thread, and `kill` from anywhere. An Execution survives the
server: its `handle` is stored with the run so a restarted engine can `reattach`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class LaunchRequest:
    """Everything needed to start one run's process."""

    run_id: str
    job_name: str
    #: Command.Name: pythonshell, glueetl, ...
    command_name: str
    #: absolute path, file:// URI or s3://bucket/key
    script_location: str
    #: Command.PythonVersion, informational for pythonshell
    python_version: str | None
    #: the script's arguments after the script path: ["--k", "v", "--JOB_ID", ...]
    argv: Sequence[str]
    #: the effective arguments as a map (special parameters such as --extra-py-files)
    arguments: Mapping[str, str]
    #: this run's own directory: logs, exit status, the local script copy
    run_dir: Path
    #: extra environment for the job process, on top of the clean base environment
    env: Mapping[str, str]
    #: the run's capacity (Spark executors are sized from it; see docs/spark.md)
    worker_type: str | None = None
    number_of_workers: int | None = None
    max_capacity: float | None = None
    #: the run's GlueVersion: the --datalake-formats versions and the runtime of glueetl runs
    glue_version: str | None = None


@dataclass(frozen=True)
class ProcessHandle:
    """What identifies a live execution across a server restart."""

    pid: int
    #: the process's start time (epoch seconds) so a reused pid is never mistaken for it
    started: float
    run_dir: Path


@dataclass(frozen=True)
class ExitStatus:
    """How an execution ended."""

    #: the exit code; None when it could not be known (process lost)
    code: int | None
    #: for failures: the exception line of the script's traceback, or a reason
    error_message: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.code == 0


class Execution(Protocol):
    """A launched run's process tree."""

    @property
    def handle(self) -> ProcessHandle: ...

    def wait(self, timeout: float | None = None) -> ExitStatus | None:
        """Block until the process ends (→ its status) or `timeout` seconds pass (→ None)."""
        ...

    def kill(self, grace: float = 5.0) -> None:
        """End the whole process tree: SIGTERM, then SIGKILL after `grace` seconds.

        Idempotent; returns once no process of the tree is left.
        """
        ...


class Executor(Protocol):
    """Launches and re-finds executions of one or more Command.Name kinds."""

    def launch(self, request: LaunchRequest) -> Execution:
        """Prepare (fetch the script, install modules) and start the run's process.

        Raises:
            ExecutorError: the run cannot start; its message becomes the run's ErrorMessage.
        """
        ...

    def reattach(self, handle: ProcessHandle) -> Execution | None:
        """The execution `handle` names if its process still lives, else None."""
        ...

    def find_launch(self, run_dir: Path, not_before: float) -> ProcessHandle | None:
        """The process a launch into `run_dir` started, found from what it left on disk.

        For a run whose launch a crash interrupted (the store never learnt its pid). None
        means no process of that launch ever ran the job, and now none ever will: the run
        may be launched again. `not_before` is the earliest the process can have started.
        """
        ...

    def finished_status(self, handle: ProcessHandle) -> ExitStatus | None:
        """The exit status recorded for a process that ended while nobody watched, if any."""
        ...


@dataclass(frozen=True)
class RunAs:
    """The unprivileged user job processes (and their pip installs) run as (--run-as)."""

    name: str
    uid: int
    gid: int

    def hand_over(self, path: Path) -> None:
        """Give `path` and everything below it to this user (the server must be root)."""
        _chown_tree(path, self.uid, self.gid)

    def take_back(self, path: Path) -> None:
        """Give `path` back to the server once its run ended: later runs (the same user) must
        not read it."""
        _chown_tree(path, os.geteuid(), os.getegid())


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid, follow_symlinks=False)
    if path.is_dir() and not path.is_symlink():
        for root, dirs, files in os.walk(path):
            for name in [*dirs, *files]:
                os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)
