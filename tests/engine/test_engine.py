"""The engine with a scripted executor, a fake clock and a real store: no sleeping on time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gluerun.clock import FakeClock
from gluerun.engine.engine import Engine, EngineConfig
from gluerun.engine.launch import launch_request
from gluerun.executors.base import ExitStatus
from gluerun.model.jobs import Command, Job
from gluerun.model.runs import JobRun, RunState
from gluerun.model.starts import RunRequest, build_run
from gluerun.service import GlueService
from gluerun.store import Stores
from gluerun.testing import FakeExecutor, make_job, settle


@pytest.fixture
def executor() -> FakeExecutor:
    return FakeExecutor()


@pytest.fixture
def engine(
    store: Stores, executor: FakeExecutor, clock: FakeClock, tmp_path: Path
) -> Iterator[Engine]:
    eng = Engine(store, {"pythonshell": executor}, clock, EngineConfig("node-1", tmp_path / "runs"))
    yield eng
    eng.shutdown()


@pytest.fixture
def service(store: Stores, clock: FakeClock) -> GlueService:
    return GlueService(store, clock, "us-east-1", "123456789012")


def run_of(service: GlueService, job: str, run_id: str) -> JobRun:
    return service.get_job_run(job, run_id)


def test_run_succeeds(
    engine: Engine, service: GlueService, executor: FakeExecutor, store: Stores
) -> None:
    service.create_job(make_job("a", default_arguments={"--d": "1"}), {})
    run_id = service.start_job_run("a", RunRequest(arguments={"--r": "2"}))
    settle(engine, lambda: run_id in executor.executions)
    execution = executor.executions[run_id]
    argv = list(execution.request.argv)
    assert argv[argv.index("--d") + 1] == "1" and argv[argv.index("--r") + 1] == "2"
    assert argv[argv.index("--JOB_RUN_ID") + 1] == run_id
    assert argv[argv.index("--job-bookmark-option") + 1] == "job-bookmark-disable"
    settle(engine, lambda: run_of(service, "a", run_id).state is RunState.RUNNING)
    execution.finish(0)
    settle(engine, lambda: run_of(service, "a", run_id).state is RunState.SUCCEEDED)
    run = run_of(service, "a", run_id)
    assert run.completed_on is not None and run.arguments == {"--r": "2"}


def test_failed_run_is_retried_with_attempt_ids(
    engine: Engine, service: GlueService, executor: FakeExecutor, store: Stores
) -> None:
    service.create_job(make_job("a", max_retries=2), {})
    root = service.start_job_run("a", RunRequest())
    ids = [root, f"{root}_attempt_1", f"{root}_attempt_2"]
    for run_id in ids:
        settle(engine, lambda run_id=run_id: run_id in executor.executions)
        settle(
            engine,
            lambda run_id=run_id: run_of(service, "a", run_id).state is RunState.RUNNING,
        )
        executor.executions[run_id].finish(1, "ValueError: boom")
        settle(
            engine,
            lambda run_id=run_id: run_of(service, "a", run_id).state is RunState.FAILED,
        )
    engine.tick()
    runs, _ = service.get_job_runs("a", None, None)
    assert [r.id for r in runs] == ids[::-1]
    assert [(r.attempt, r.previous_run_id) for r in runs] == [(2, ids[1]), (1, ids[0]), (0, None)]
    assert all(r.error_message == "ValueError: boom" for r in runs)


def test_launch_failure_fails_the_run(
    engine: Engine, service: GlueService, executor: FakeExecutor, store: Stores
) -> None:
    service.create_job(make_job("a"), {})
    executor.fail_with = "Script not found: /nope.py"
    run_id = service.start_job_run("a", RunRequest())
    settle(engine, lambda: run_of(service, "a", run_id).state is RunState.FAILED)
    assert run_of(service, "a", run_id).error_message == "Script not found: /nope.py"


def test_stop_kills_and_ends_stopped(
    engine: Engine, service: GlueService, executor: FakeExecutor, store: Stores
) -> None:
    service.create_job(make_job("a"), {})
    run_id = service.start_job_run("a", RunRequest())
    settle(engine, lambda: run_of(service, "a", run_id).state is RunState.RUNNING)
    stopped, errors = service.batch_stop_job_run("a", [run_id])
    assert stopped == [run_id] and errors == []
    assert run_of(service, "a", run_id).state is RunState.STOPPING
    settle(engine, lambda: run_of(service, "a", run_id).state is RunState.STOPPED)
    assert executor.executions[run_id].killed


def test_a_script_that_succeeds_as_the_stop_arrives_ends_succeeded(
    engine: Engine, service: GlueService, executor: FakeExecutor, store: Stores
) -> None:
    """The process exited 0 before the stop could kill it: its script did run to the end."""
    service.create_job(make_job("a"), {})
    run_id = service.start_job_run("a", RunRequest())
    settle(engine, lambda: run_of(service, "a", run_id).state is RunState.RUNNING)
    service.batch_stop_job_run("a", [run_id])
    executor.executions[run_id].finish(0)
    settle(engine, lambda: run_of(service, "a", run_id).state.terminal)
    assert run_of(service, "a", run_id).state is RunState.SUCCEEDED


def test_timeout_kills_and_is_not_retried(
    engine: Engine, service: GlueService, executor: FakeExecutor, store: Stores, clock: FakeClock
) -> None:
    service.create_job(make_job("a", max_retries=3, timeout=2), {})
    run_id = service.start_job_run("a", RunRequest())
    settle(engine, lambda: run_of(service, "a", run_id).state is RunState.RUNNING)
    clock.advance(119)
    engine.tick()
    assert not executor.executions[run_id].killed
    clock.advance(2)
    settle(engine, lambda: run_of(service, "a", run_id).state is RunState.TIMEOUT)
    assert executor.executions[run_id].killed
    run = run_of(service, "a", run_id)
    assert run.error_message is not None and "timed out" in run.error_message
    assert run.execution_time == 121
    engine.tick()
    assert len(service.get_job_runs("a", None, None)[0]) == 1


def test_run_timeout_overrides_job_timeout(
    engine: Engine, service: GlueService, executor: FakeExecutor, store: Stores, clock: FakeClock
) -> None:
    service.create_job(make_job("a", timeout=100), {})
    run_id = service.start_job_run("a", RunRequest(timeout=1))
    settle(engine, lambda: run_of(service, "a", run_id).state is RunState.RUNNING)
    clock.advance(61)
    settle(engine, lambda: run_of(service, "a", run_id).state is RunState.TIMEOUT)


def test_queued_run_starts_when_slot_frees(
    engine: Engine, service: GlueService, executor: FakeExecutor, store: Stores
) -> None:
    service.create_job(make_job("a", job_run_queuing_enabled=True), {})
    first = service.start_job_run("a", RunRequest())
    second = service.start_job_run("a", RunRequest())
    assert run_of(service, "a", second).state is RunState.WAITING
    settle(engine, lambda: run_of(service, "a", first).state is RunState.RUNNING)
    engine.tick()
    assert run_of(service, "a", second).state is RunState.WAITING
    executor.executions[first].finish(0)
    settle(engine, lambda: run_of(service, "a", second).state is RunState.RUNNING)


def test_restart_reattaches_to_live_process(
    store: Stores, service: GlueService, executor: FakeExecutor, clock: FakeClock, tmp_path: Path
) -> None:
    config = EngineConfig("node-1", tmp_path / "runs")
    first = Engine(store, {"pythonshell": executor}, clock, config)
    service.create_job(make_job("a"), {})
    run_id = service.start_job_run("a", RunRequest())
    settle(first, lambda: run_of(service, "a", run_id).state is RunState.RUNNING)
    first.shutdown()
    second = Engine(store, {"pythonshell": executor}, clock, config)
    second.recover()
    executor.executions[run_id].finish(0)
    settle(second, lambda: run_of(service, "a", run_id).state is RunState.SUCCEEDED)
    second.shutdown()


def test_restart_fails_lost_runs_and_retries_them(
    store: Stores, service: GlueService, executor: FakeExecutor, clock: FakeClock, tmp_path: Path
) -> None:
    config = EngineConfig("node-1", tmp_path / "runs")
    first = Engine(store, {"pythonshell": executor}, clock, config)
    service.create_job(make_job("a", max_retries=1), {})
    run_id = service.start_job_run("a", RunRequest())
    settle(first, lambda: run_of(service, "a", run_id).state is RunState.RUNNING)
    first.shutdown()
    executor.executions[run_id].finish(-9)  # the process died while nobody watched
    executor.executions.pop(run_id)
    second = Engine(store, {"pythonshell": executor}, clock, config)
    second.recover()
    run = run_of(service, "a", run_id)
    assert run.state is RunState.FAILED
    assert run.error_message is not None and "lost" in run.error_message
    assert run_of(service, "a", f"{run_id}_attempt_1").state is RunState.STARTING
    second.shutdown()


def test_restart_reads_exit_status_of_run_finished_while_down(
    store: Stores, service: GlueService, executor: FakeExecutor, clock: FakeClock, tmp_path: Path
) -> None:
    config = EngineConfig("node-1", tmp_path / "runs")
    first = Engine(store, {"pythonshell": executor}, clock, config)
    service.create_job(make_job("a"), {})
    run_id = service.start_job_run("a", RunRequest())
    settle(first, lambda: run_of(service, "a", run_id).state is RunState.RUNNING)
    first.shutdown()
    execution = executor.executions.pop(run_id)
    execution.finish(0)
    executor.finished[execution.handle.pid] = ExitStatus(0)
    second = Engine(store, {"pythonshell": executor}, clock, config)
    second.recover()
    assert run_of(service, "a", run_id).state is RunState.SUCCEEDED
    second.shutdown()


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("glueray", "Command.Name 'glueray' is not supported by this gluerun node."),
        # Glue stores a job of any command name and fails its runs in these words.
        ("test_command", "Could not find command for the given criteria"),
    ],
)
def test_unsupported_command_fails_clearly(
    engine: Engine, service: GlueService, store: Stores, command: str, message: str
) -> None:
    job = make_job("a")
    service.create_job(
        job.__class__(**{**job.__dict__, "command": job.command.__class__(command, "/x.py")}), {}
    )
    run_id = service.start_job_run("a", RunRequest())
    settle(engine, lambda: run_of(service, "a", run_id).state is RunState.FAILED)
    assert run_of(service, "a", run_id).error_message == message


def test_explicit_capacity_sizes_the_launch_and_glues_default_does_not(tmp_path: Path) -> None:
    config = EngineConfig(node_id="n", runs_dir=tmp_path)
    spark = make_job("s", command=Command("glueetl", "/x.py"))

    def sized(job: Job, request: RunRequest) -> float | None:
        return launch_request(build_run(job, request, 0.0), config).max_capacity

    assert sized(spark, RunRequest(allocated_capacity=4)) == 4.0
    assert sized(spark, RunRequest(max_capacity=3.0)) == 3.0
    assert sized(make_job("c", command=spark.command, max_capacity=6.0), RunRequest()) == 6.0
    assert sized(spark, RunRequest()) is None  # Glue's 10 DPU default sizes nothing
    workers = make_job("w", command=spark.command, worker_type="G.1X", number_of_workers=3)
    assert sized(workers, RunRequest()) is None  # sized by its workers instead
