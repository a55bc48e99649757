"""Test doubles that ship with gluerun (like dramatiq's StubBroker): a scriptable executor."""

from __future__ import annotations

import dataclasses
import itertools
import secrets
import threading
from collections.abc import Callable
from pathlib import Path

from gluerun.engine.engine import Engine
from gluerun.errors import ExecutorError
from gluerun.executors.base import ExitStatus, LaunchRequest, ProcessHandle
from gluerun.model.jobs import PYTHONSHELL, Command, Job
from gluerun.model.runs import JobRun, LaunchSpec, RunState

_pids = itertools.count(100_000)


class FakeExecution:
    """An execution that ends when the test says so."""

    def __init__(self, request: LaunchRequest) -> None:
        self.request = request
        self._handle = ProcessHandle(next(_pids), 1.0, request.run_dir)
        self._done = threading.Event()
        self._status: ExitStatus | None = None
        self.killed = False

    @property
    def handle(self) -> ProcessHandle:
        return self._handle

    def finish(self, code: int, message: str | None = None) -> None:
        self._status = ExitStatus(code, message)
        self._done.set()

    def wait(self, timeout: float | None = None) -> ExitStatus | None:
        if not self._done.wait(timeout):
            return None
        return self._status

    def kill(self, grace: float = 5.0) -> None:
        self.killed = True
        if not self._done.is_set():
            self.finish(-15, "Process killed by signal 15")

    @property
    def alive(self) -> bool:
        return not self._done.is_set()


class FakeExecutor:
    """Records launches; `fail_with` makes the next launches raise ExecutorError."""

    def __init__(self) -> None:
        self.executions: dict[str, FakeExecution] = {}
        self.launched = threading.Condition()
        self.fail_with: str | None = None
        self.finished: dict[int, ExitStatus] = {}
        #: the run id of every launch, in order (a run launched twice appears twice)
        self.launches: list[str] = []

    def launch(self, request: LaunchRequest) -> FakeExecution:
        if self.fail_with:
            raise ExecutorError(self.fail_with)
        execution = FakeExecution(request)
        self.launches.append(request.run_id)
        with self.launched:
            self.executions[request.run_id] = execution
            self.launched.notify_all()
        return execution

    def wait_launched(self, run_id: str, timeout: float = 5.0) -> FakeExecution:
        with self.launched:
            if not self.launched.wait_for(lambda: run_id in self.executions, timeout):
                raise TimeoutError(f"{run_id} was not launched")
            return self.executions[run_id]

    def reattach(self, handle: ProcessHandle) -> FakeExecution | None:
        for execution in self.executions.values():
            if execution.handle.pid == handle.pid and execution.alive:
                return execution
        return None

    def find_launch(self, run_dir: Path, not_before: float) -> ProcessHandle | None:
        """The handle of the launch into `run_dir`, if the test let it happen."""
        for execution in self.executions.values():
            if execution.request.run_dir == run_dir:
                return execution.handle
        return None

    def finished_status(self, handle: ProcessHandle) -> ExitStatus | None:
        return self.finished.get(handle.pid)


def make_job(name: str = "job", **changes: object) -> Job:
    """A pythonshell job with test defaults; `changes` override fields."""
    job = Job(
        name=name,
        job_id=f"j_{name}",
        role="any",
        command=Command(PYTHONSHELL, "/tmp/script.py", "3.9"),
        created_on=1_700_000_000.0,
        last_modified_on=1_700_000_000.0,
    )
    return dataclasses.replace(job, **changes)  # type: ignore[arg-type]


def make_run(
    job: Job, run_id: str | None = None, now: float = 1_700_000_000.0, **changes: object
) -> JobRun:
    """A STARTING run of `job` as StartJobRun would create it."""
    run = JobRun(
        id=run_id or "jr_" + secrets.token_hex(32),
        job_name=job.name,
        state=RunState.STARTING,
        started_on=now,
        last_modified_on=now,
        admitted_on=now,
        timeout=job.timeout,
        launch=LaunchSpec(
            job.command.name, job.command.script_location or "", "3.9", {}, job.job_id
        ),
    )
    return dataclasses.replace(run, **changes)  # type: ignore[arg-type]


def settle(engine: Engine, until: Callable[[], bool], rounds: int = 300) -> None:
    """Tick `engine` until `until()` holds; its executor threads report through the store,
    so each round waits for a store change (at most 20 ms) instead of sleeping."""
    for _ in range(rounds):
        engine.tick()
        if until():
            return
        engine.store.db.wait_for_change(0.02)
    raise AssertionError("engine did not settle")
