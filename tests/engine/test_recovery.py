"""A restart at every point of the launch window: no run launched twice, none left STARTING
or STOPPING, and a process that succeeded is never reported FAILED."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gluerun.clock import FakeClock
from gluerun.engine.engine import Engine, EngineConfig
from gluerun.executors.base import ExitStatus, ProcessHandle
from gluerun.model.runs import JobRun, RunState
from gluerun.model.starts import RunRequest
from gluerun.service import GlueService
from gluerun.store import Stores
from gluerun.testing import FakeExecutor, make_job, settle


@pytest.fixture
def executor() -> FakeExecutor:
    return FakeExecutor()


@pytest.fixture
def service(store: Stores, clock: FakeClock) -> GlueService:
    return GlueService(store, clock, "us-east-1", "123456789012")


@pytest.fixture
def config(tmp_path: Path) -> EngineConfig:
    return EngineConfig("node-1", tmp_path / "runs")


@pytest.fixture
def restarted(
    store: Stores, executor: FakeExecutor, clock: FakeClock, config: EngineConfig
) -> Iterator[Engine]:
    """The engine of the server after the restart (recover() is up to each test)."""
    engine = Engine(store, {"pythonshell": executor}, clock, config)
    yield engine
    engine.shutdown()


def run_of(service: GlueService, run_id: str) -> JobRun:
    return service.get_job_run("a", run_id)


def launched_not_recorded(
    store: Stores, executor: FakeExecutor, clock: FakeClock, config: EngineConfig, run_id: str
) -> None:
    """An engine claims and spawns the run, then dies before the store learns its pid."""
    first = Engine(store, {"pythonshell": executor}, clock, config)
    first.tick()
    executor.wait_launched(run_id)
    first.shutdown()


def test_claimed_but_never_spawned_is_launched_once_and_succeeds(
    store: Stores, service: GlueService, executor: FakeExecutor, restarted: Engine
) -> None:
    service.create_job(make_job("a"), {})
    run_id = service.start_job_run("a", RunRequest())
    assert [r.id for r in store.runs.claim_runs("node-1", 1)] == [run_id]  # then the crash
    restarted.recover()
    settle(restarted, lambda: run_of(service, run_id).state is RunState.RUNNING)
    executor.executions[run_id].finish(0)
    settle(restarted, lambda: run_of(service, run_id).state is RunState.SUCCEEDED)
    assert executor.launches == [run_id]


def test_spawned_before_the_pid_was_stored_is_reattached_not_relaunched(
    store: Stores,
    service: GlueService,
    executor: FakeExecutor,
    clock: FakeClock,
    config: EngineConfig,
    restarted: Engine,
) -> None:
    service.create_job(make_job("a", max_retries=1), {})
    run_id = service.start_job_run("a", RunRequest())
    launched_not_recorded(store, executor, clock, config, run_id)
    assert run_of(service, run_id).state is RunState.STARTING
    restarted.recover()
    run = run_of(service, run_id)
    assert run.state is RunState.RUNNING
    assert run.pid == executor.executions[run_id].handle.pid
    executor.executions[run_id].finish(0)
    settle(restarted, lambda: run_of(service, run_id).state is RunState.SUCCEEDED)
    assert executor.launches == [run_id]


def test_spawned_and_succeeded_while_down_ends_succeeded(
    store: Stores,
    service: GlueService,
    executor: FakeExecutor,
    clock: FakeClock,
    config: EngineConfig,
    restarted: Engine,
) -> None:
    service.create_job(make_job("a"), {})
    run_id = service.start_job_run("a", RunRequest())
    launched_not_recorded(store, executor, clock, config, run_id)
    execution = executor.executions[run_id]
    execution.finish(0)
    executor.finished[execution.handle.pid] = ExitStatus(0)
    restarted.recover()
    assert run_of(service, run_id).state is RunState.SUCCEEDED
    assert executor.launches == [run_id]


def test_stopped_in_the_launch_window_kills_the_found_process(
    store: Stores,
    service: GlueService,
    executor: FakeExecutor,
    clock: FakeClock,
    config: EngineConfig,
    restarted: Engine,
) -> None:
    service.create_job(make_job("a"), {})
    run_id = service.start_job_run("a", RunRequest())
    launched_not_recorded(store, executor, clock, config, run_id)
    service.batch_stop_job_run("a", [run_id])
    assert run_of(service, run_id).state is RunState.STOPPING
    restarted.recover()
    settle(restarted, lambda: run_of(service, run_id).state is RunState.STOPPED)
    assert executor.executions[run_id].killed


@pytest.mark.parametrize(
    ("code", "final"), [(0, RunState.SUCCEEDED), (1, RunState.STOPPED), (-15, RunState.STOPPED)]
)
def test_stopped_but_ended_while_down_ends_as_it_really_did(
    store: Stores,
    service: GlueService,
    executor: FakeExecutor,
    clock: FakeClock,
    config: EngineConfig,
    restarted: Engine,
    code: int,
    final: RunState,
) -> None:
    """The stop never reached the process (the server died first) and the script ended on its
    own: one that ran to a successful end is SUCCEEDED, not STOPPED; any other end is STOPPED."""
    service.create_job(make_job("a", max_retries=1), {})
    run_id = service.start_job_run("a", RunRequest())
    launched_not_recorded(store, executor, clock, config, run_id)
    service.batch_stop_job_run("a", [run_id])
    execution = executor.executions[run_id]
    execution.finish(code)
    executor.finished[execution.handle.pid] = ExitStatus(code)
    restarted.recover()
    assert run_of(service, run_id).state is final
    assert not execution.killed
    assert [run.id for run in service.get_job_runs("a", None, None)[0]] == [run_id]


def test_stopped_and_claimed_but_never_spawned_ends_stopped(
    store: Stores, service: GlueService, executor: FakeExecutor, restarted: Engine
) -> None:
    service.create_job(make_job("a"), {})
    run_id = service.start_job_run("a", RunRequest())
    store.runs.claim_runs("node-1", 1)
    service.batch_stop_job_run("a", [run_id])
    restarted.recover()
    assert run_of(service, run_id).state is RunState.STOPPED
    assert executor.launches == []


def test_a_stop_before_any_engine_claimed_the_run_ends_it_at_once(
    store: Stores, service: GlueService
) -> None:
    """No engine would ever look at an unclaimed STOPPING run: the stop itself ends it."""
    service.create_job(make_job("a", max_concurrent_runs=1), {})
    run_id = service.start_job_run("a", RunRequest())
    stopped, errors = service.batch_stop_job_run("a", [run_id])
    assert stopped == [run_id] and errors == []
    run = run_of(service, run_id)
    assert run.state is RunState.STOPPED
    assert run.error_message == "Job run stopped by BatchStopJobRun."
    # The slot is free again.
    assert run_of(service, service.start_job_run("a", RunRequest())).state is RunState.STARTING


def test_an_unclaimed_stopping_run_left_by_an_older_server_is_settled(
    store: Stores, service: GlueService, clock: FakeClock, restarted: Engine
) -> None:
    service.create_job(make_job("a"), {})
    run_id = service.start_job_run("a", RunRequest())
    run = run_of(service, run_id)
    assert store.runs.update_run(
        run.with_state(RunState.STOPPING, clock.now()), {RunState.STARTING}
    )
    restarted.recover()
    assert run_of(service, run_id).state is RunState.STOPPED


def test_one_run_failing_to_recover_does_not_stop_the_others(
    store: Stores,
    service: GlueService,
    executor: FakeExecutor,
    restarted: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service.create_job(make_job("a", max_concurrent_runs=2), {})
    broken = service.start_job_run("a", RunRequest())
    fine = service.start_job_run("a", RunRequest())
    store.runs.claim_runs("node-1", 2)
    real = executor.find_launch

    def find_launch(run_dir: Path, not_before: float) -> ProcessHandle | None:
        if run_dir.name == broken:
            raise PermissionError(run_dir)
        return real(run_dir, not_before)

    monkeypatch.setattr(executor, "find_launch", find_launch)
    restarted.recover()
    settle(restarted, lambda: fine in executor.executions)
    assert executor.launches == [fine]
    assert run_of(service, broken).state is RunState.STARTING
