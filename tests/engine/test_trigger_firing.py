"""Triggers firing in the engine, with an injected clock: no sleeping on schedules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gluerun.clock import FakeClock
from gluerun.engine.engine import Engine, EngineConfig
from gluerun.engine.triggers import TriggerFirer
from gluerun.model.runs import JobRun, RunState
from gluerun.model.triggers import Action, Condition, Predicate, Trigger, TriggerState, TriggerType
from gluerun.service import GlueService
from gluerun.store import Stores
from gluerun.testing import FakeExecutor, make_job, settle

T0 = datetime(2024, 1, 31, 22, 30, 30, tzinfo=UTC).timestamp()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def service(store: Stores, clock: FakeClock) -> GlueService:
    svc = GlueService(store, clock, "us-east-1", "123456789012")
    for name in ("a", "b", "c"):
        svc.create_job(make_job(name, max_concurrent_runs=10), {})
    return svc


@pytest.fixture
def executor() -> FakeExecutor:
    return FakeExecutor()


@pytest.fixture
def engine(
    store: Stores, executor: FakeExecutor, clock: FakeClock, tmp_path: Path
) -> Iterator[Engine]:
    eng = Engine(store, {"pythonshell": executor}, clock, EngineConfig("n1", tmp_path / "runs"))
    yield eng
    eng.shutdown()


def new(name: str, kind: TriggerType, actions: tuple[str, ...], **kw: object) -> Trigger:
    base: dict[str, object] = {
        "name": name,
        "type": kind,
        "state": TriggerState.CREATED,
        "actions": tuple(Action(a) for a in actions),
        "created_on": 0.0,
    }
    base.update(kw)
    return Trigger(**base)  # type: ignore[arg-type]


def runs(service: GlueService, job: str) -> list[JobRun]:
    return service.get_job_runs(job, None, 200)[0]


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_schedule_fires_on_its_tick_once_across_day_and_month(
    service: GlueService, store: Stores, clock: FakeClock
) -> None:
    service.create_trigger(
        new("s", TriggerType.SCHEDULED, ("a",), schedule="cron(0 0 * * ? *)"), {}, True
    )
    firer = TriggerFirer(store.runs, store.triggers, clock)
    clock.advance(at("2024-01-31T23:59:59") - clock.now())
    firer.tick()
    assert runs(service, "a") == []
    clock.advance(1)  # 2024-02-01 00:00:00
    firer.tick()
    firer.tick()
    assert [r.trigger_name for r in runs(service, "a")] == ["s"]
    assert service.get_trigger("s").next_fire == at("2024-02-02T00:00:00")


def test_missed_ticks_fire_once_and_two_nodes_never_double_fire(
    service: GlueService, store: Stores, clock: FakeClock
) -> None:
    service.create_trigger(
        new("s", TriggerType.SCHEDULED, ("a",), schedule="cron(0 * * * ? *)"), {}, True
    )
    clock.advance(5 * 3600)  # five hourly ticks passed while no engine ran
    node1, node2 = (
        TriggerFirer(store.runs, store.triggers, clock),
        TriggerFirer(store.runs, store.triggers, clock),
    )
    due = store.triggers.active_triggers(TriggerType.SCHEDULED, due_by=clock.now())
    node1.tick()
    # node2 saw the same due trigger before node1's claim: its claim must lose.
    for trigger in due:
        node2._fire(trigger, trigger, ())
    node2.tick()
    assert len(runs(service, "a")) == 1
    assert service.get_trigger("s").next_fire == at("2024-02-01T04:00:00")


def test_restart_does_not_lose_a_due_tick(
    service: GlueService, store: Stores, clock: FakeClock
) -> None:
    service.create_trigger(
        new("s", TriggerType.SCHEDULED, ("a",), schedule="cron(45 22 * * ? *)"), {}, True
    )
    clock.advance(20 * 60)  # due at 22:45 while "down"; the new process fires it once on start
    TriggerFirer(store.runs, store.triggers, clock).tick()
    TriggerFirer(store.runs, store.triggers, clock).tick()
    assert len(runs(service, "a")) == 1


def test_deactivated_and_created_triggers_do_not_fire(
    service: GlueService, store: Stores, clock: FakeClock
) -> None:
    service.create_trigger(
        new("s", TriggerType.SCHEDULED, ("a",), schedule="cron(* * * * ? *)"), {}, True
    )
    service.create_trigger(
        new("idle", TriggerType.SCHEDULED, ("b",), schedule="cron(* * * * ? *)"), {}, False
    )
    service.stop_trigger("s")
    clock.advance(600)
    TriggerFirer(store.runs, store.triggers, clock).tick()
    assert runs(service, "a") == [] and runs(service, "b") == []
    service.start_trigger("s")
    assert service.get_trigger("s").state is TriggerState.ACTIVATED
    clock.advance(60)
    TriggerFirer(store.runs, store.triggers, clock).tick()
    assert len(runs(service, "a")) == 1


def finish_all(executor: FakeExecutor, code: int = 0) -> None:
    for execution in list(executor.executions.values()):
        if execution.alive:
            execution.finish(code)


def test_chain_of_three_jobs_with_predecessors(
    service: GlueService, store: Stores, engine: Engine, executor: FakeExecutor
) -> None:
    service.create_trigger(new("go", TriggerType.ON_DEMAND, ("a",)), {}, False)
    cond_ab = Predicate("AND", (Condition("a", RunState.SUCCEEDED),))
    cond_bc = Predicate("AND", (Condition("b", RunState.SUCCEEDED),))
    service.create_trigger(new("ab", TriggerType.CONDITIONAL, ("b",), predicate=cond_ab), {}, True)
    service.create_trigger(new("bc", TriggerType.CONDITIONAL, ("c",), predicate=cond_bc), {}, True)
    service.start_trigger("go")
    assert service.get_trigger("go").state is TriggerState.CREATED
    for job in ("a", "b", "c"):
        settle(engine, lambda job=job: len(executor.executions) == "abc".index(job) + 1)
        finish_all(executor)
        settle(engine, lambda job=job: runs(service, job)[0].state is RunState.SUCCEEDED)
    a, b, c = (runs(service, j)[0] for j in "abc")
    b_full = service.get_job_run("b", b.id, predecessors_included=True)
    c_full = service.get_job_run("c", c.id, predecessors_included=True)
    assert [(p.job_name, p.run_id) for p in b_full.predecessors] == [("a", a.id)]
    assert [(p.job_name, p.run_id) for p in c_full.predecessors] == [("b", b.id)]
    assert service.get_job_run("b", b.id).predecessors == ()
    assert (a.trigger_name, b.trigger_name, c.trigger_name) == ("go", "ab", "bc")
    for _ in range(5):
        engine.tick()
    assert [len(runs(service, j)) for j in "abc"] == [1, 1, 1]


def test_and_waits_for_both_and_runs_not_started_by_triggers_do_not_count(
    service: GlueService, store: Stores, engine: Engine, executor: FakeExecutor
) -> None:
    service.create_trigger(new("go", TriggerType.ON_DEMAND, ("a", "b")), {}, False)
    both = Predicate("AND", (Condition("a", RunState.SUCCEEDED), Condition("b", RunState.FAILED)))
    service.create_trigger(new("join", TriggerType.CONDITIONAL, ("c",), predicate=both), {}, True)
    from gluerun.model.starts import RunRequest

    manual = service.start_job_run("a", RunRequest())
    settle(engine, lambda: manual in executor.executions)
    executor.executions[manual].finish(0)
    settle(engine, lambda: runs(service, "a")[0].state is RunState.SUCCEEDED)
    service.start_trigger("go")
    settle(engine, lambda: len(executor.executions) == 3)
    by_job = {e.request.job_name: e for e in executor.executions.values() if e.alive}
    by_job["a"].finish(0)
    settle(engine, lambda: runs(service, "a")[0].state is RunState.SUCCEEDED)
    assert runs(service, "c") == []
    by_job["b"].finish(1)
    settle(engine, lambda: len(runs(service, "c")) == 1)
    c = service.get_job_run("c", runs(service, "c")[0].id, predecessors_included=True)
    assert {p.job_name for p in c.predecessors} == {"a", "b"}
    assert manual not in {p.run_id for p in c.predecessors}


def test_deleted_job_gives_an_error_run_and_a_full_job_a_failed_run(
    service: GlueService, store: Stores, clock: FakeClock
) -> None:
    service.create_job(make_job("solo"), {})
    service.create_trigger(new("go", TriggerType.ON_DEMAND, ("solo", "c")), {}, False)
    service.start_trigger("go")
    service.start_trigger("go")  # solo (MaxConcurrentRuns 1) is busy now
    solo = runs(service, "solo")
    assert [r.state for r in solo] == [RunState.FAILED, RunState.STARTING]
    assert "Max concurrent runs exceeded" in (solo[0].error_message or "")
    service.delete_job("c")
    service.start_trigger("go")
    errors = runs(service, "c")
    assert [r.state for r in errors] == [RunState.ERROR]
    assert service.get_job_run("c", errors[0].id).trigger_name == "go"
