"""Two engines on one store: a node that stops renewing its lease is taken over and fenced."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gluerun.clock import FakeClock
from gluerun.engine.engine import Engine, EngineConfig
from gluerun.model.logs import ERROR_GROUP, OUTPUT_GROUP
from gluerun.model.runs import JobRun, RunState
from gluerun.model.starts import RunRequest
from gluerun.model.triggers import Action, Trigger, TriggerState, TriggerType
from gluerun.service import GlueService
from gluerun.store import Stores
from gluerun.testing import FakeExecutor, make_job, settle

LEASE = 8.0


@pytest.fixture
def service(store: Stores, clock: FakeClock) -> GlueService:
    return GlueService(store, clock, "us-east-1", "123456789012")


@pytest.fixture
def nodes(store: Stores, clock: FakeClock, tmp_path: Path) -> Iterator[list[Engine]]:
    made = []
    for name in ("node-a", "node-b"):
        config = EngineConfig(name, tmp_path / name, lease_seconds=LEASE)
        made.append(Engine(store, {"pythonshell": FakeExecutor()}, clock, config))
    yield made
    for engine in made:
        engine.shutdown()


def executor_of(engine: Engine) -> FakeExecutor:
    executor = engine.executors["pythonshell"]
    assert isinstance(executor, FakeExecutor)
    return executor


def eventually(condition: Callable[[], bool]) -> None:
    """Worker threads (exit reports, kills) act shortly after; wait for them, boundedly."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.01)


def run_of(service: GlueService, run_id: str) -> JobRun:
    return service.get_job_run("j", run_id)


def running_on_a(service: GlueService, nodes: list[Engine]) -> str:
    a, b = nodes
    b.tick()  # b joins first, with nothing to claim yet
    service.create_job(make_job("j", max_retries=1, max_concurrent_runs=10), {})
    run_id = service.start_job_run("j", RunRequest())
    settle(a, lambda: run_of(service, run_id).state is RunState.RUNNING)
    return run_id


def test_a_silent_node_is_taken_over_and_its_run_retried_elsewhere(
    service: GlueService, nodes: list[Engine], clock: FakeClock
) -> None:
    _, b = nodes
    run_id = running_on_a(service, nodes)
    clock.advance(LEASE / 2)
    b.tick()
    assert run_of(service, run_id).state is RunState.RUNNING, "a's lease has not run out"
    clock.advance(LEASE)
    retry = f"{run_id}_attempt_1"
    settle(b, lambda: retry in executor_of(b).executions)
    failed = run_of(service, run_id)
    assert failed.state is RunState.FAILED
    assert failed.error_message is not None and "node-a" in failed.error_message
    settle(b, lambda: run_of(service, retry).state is RunState.RUNNING)
    executor_of(b).executions[retry].finish(0)
    settle(b, lambda: run_of(service, retry).state is RunState.SUCCEEDED)


def output_of(store: Stores, run_id: str, group: str = OUTPUT_GROUP) -> list[str]:
    events = store.logs.read_log_events(group, run_id, limit=100, newest=False)
    return [event.message for event in events]


def test_a_node_back_from_the_dead_cannot_overwrite_and_kills_its_orphans(
    service: GlueService, nodes: list[Engine], clock: FakeClock, store: Stores, tmp_path: Path
) -> None:
    a, b = nodes
    finished = running_on_a(service, nodes)
    orphan = service.start_job_run("j", RunRequest())
    settle(a, lambda: run_of(service, orphan).state is RunState.RUNNING)
    stdout = tmp_path / "node-a" / orphan / "stdout.log"
    stdout.parent.mkdir(parents=True, exist_ok=True)
    stdout.write_text("while a was live\n")
    a.logs.collect()
    clock.advance(LEASE + 1)
    settle(b, lambda: run_of(service, orphan).state is RunState.FAILED)
    # While a was away, one of its processes succeeded; the other still runs and prints.
    with stdout.open("a") as out:
        out.write("after the takeover\n")
    executor_of(a).executions[finished].finish(0)
    eventually(lambda: not a._events.empty())  # its exit reported, to be written next tick
    a.tick()
    assert run_of(service, finished).state is RunState.FAILED, "the takeover's result stands"
    # Its log writes were refused alike: no late "run ended SUCCEEDED", no orphan's lines.
    notes = output_of(store, finished, ERROR_GROUP)
    assert not any("SUCCEEDED" in note for note in notes), notes
    assert any("node-a was lost" in note for note in notes), notes
    assert output_of(store, orphan) == ["while a was live"]
    eventually(lambda: executor_of(a).executions[orphan].killed)
    [row_a] = [n for n in store.nodes.list_nodes() if n.fence.node_id == "node-a"]
    assert row_a.state == "live" and row_a.fence.epoch == 3, "joined again with a new epoch"
    # Rejoined, it claims and runs work as any node.
    again = service.start_job_run("j", RunRequest())
    settle(a, lambda: again in executor_of(a).executions)


def test_a_stopping_run_of_a_lost_node_ends_stopped(
    service: GlueService, nodes: list[Engine], clock: FakeClock
) -> None:
    _, b = nodes
    run_id = running_on_a(service, nodes)
    service.batch_stop_job_run("j", [run_id])
    clock.advance(LEASE + 1)
    settle(b, lambda: run_of(service, run_id).state is RunState.STOPPED)
    assert f"{run_id}_attempt_1" not in executor_of(b).executions


def test_scheduled_ticks_fire_once_while_a_node_dies_and_comes_back(
    service: GlueService, nodes: list[Engine], clock: FakeClock
) -> None:
    a, b = nodes
    service.create_job(make_job("s", max_concurrent_runs=10), {})
    hourly = Trigger(
        name="hourly",
        type=TriggerType.SCHEDULED,
        state=TriggerState.CREATED,
        actions=(Action("s"),),
        created_on=0.0,
        schedule="cron(0 * * * ? *)",
    )
    service.create_trigger(hourly, {}, True)
    clock.advance(3600)
    a.tick()
    b.tick()
    assert len(service.get_job_runs("s", None, 200)[0]) == 1
    clock.advance(3600)  # the next tick falls due while a is silent past its lease
    b.tick()
    a.tick()  # a comes back: taken over, it joins again; the tick is already claimed
    b.tick()
    fired = service.get_job_runs("s", None, 200)[0]
    assert [run.trigger_name for run in fired] == ["hourly", "hourly"]
