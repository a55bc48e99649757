"""Run retention: old finished runs go with their directories, log streams and events; active,
recent and other nodes' runs stay."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from gluerun.clock import FakeClock
from gluerun.engine.engine import Engine, EngineConfig
from gluerun.engine.retention import DAY, RunRetention
from gluerun.model.runs import JobRun, RunState
from gluerun.store import Stores
from gluerun.testing import FakeExecutor, make_job, make_run, settle

GROUPS = ("/aws-glue/jobs/output", "/aws-glue/jobs/error")


def stored_run(
    store: Stores, runs_dir: Path, started: float, state: RunState, node: str | None = "node-1"
) -> JobRun:
    """A run of job `a` started at `started`, with a run directory and log streams."""
    run = make_run(make_job("a"), now=started, node_id=node)
    run = dataclasses.replace(run, state=state, completed_on=started + 60)
    store.runs.insert_run(run)
    (runs_dir / run.id).mkdir(parents=True)
    (runs_dir / run.id / "stdout.log").write_text("hello\n")
    for group in GROUPS:
        store.logs.append_log_events(group, run.id, [(int(started * 1000), "hello")], 0)
    return run


def test_sweep_deletes_old_finished_runs_whole(
    store: Stores, clock: FakeClock, tmp_path: Path
) -> None:
    runs_dir = tmp_path / "runs"
    store.runs.create_job(make_job("a"), {})
    now = clock.now()
    old = now - 91 * DAY
    gone = [
        stored_run(store, runs_dir, old, RunState.SUCCEEDED),
        stored_run(store, runs_dir, old, RunState.FAILED),
        stored_run(store, runs_dir, old, RunState.ERROR, node=None),
    ]
    kept = [
        stored_run(store, runs_dir, old, RunState.RUNNING),
        stored_run(store, runs_dir, now - 89 * DAY, RunState.SUCCEEDED),
        stored_run(store, runs_dir, old, RunState.STOPPED, node="node-2"),
    ]
    store.events.record_event("Test Event", {"old": True}, old)
    store.events.record_event("Test Event", {"old": False}, now)

    assert RunRetention(store.retention, clock, runs_dir, "node-1", 90).sweep() == len(gone)

    for run in gone:
        assert store.runs.get_run("j_a", run.id) is None
        assert not (runs_dir / run.id).exists()
        assert all(store.logs.log_stream(group, run.id) is None for group in GROUPS)
    for run in kept:
        assert store.runs.get_run("j_a", run.id) is not None
        assert (runs_dir / run.id / "stdout.log").exists()
        assert all(store.logs.log_stream(group, run.id) is not None for group in GROUPS)
    tests = [e.detail for e in store.events.events_after(0, 100) if e.detail_type == "Test Event"]
    assert tests == [{"old": False}]


def test_zero_days_keeps_everything(store: Stores, clock: FakeClock, tmp_path: Path) -> None:
    runs_dir = tmp_path / "runs"
    store.runs.create_job(make_job("a"), {})
    run = stored_run(store, runs_dir, clock.now() - 1000 * DAY, RunState.SUCCEEDED)
    engine = Engine(store, {}, clock, EngineConfig("node-1", runs_dir, run_retention_days=0))
    engine.tick()
    engine.shutdown()
    assert store.runs.get_run("j_a", run.id) is not None


def test_the_engine_sweeps_hourly_off_its_loop(
    store: Stores, clock: FakeClock, tmp_path: Path
) -> None:
    runs_dir = tmp_path / "runs"
    store.runs.create_job(make_job("a"), {})
    config = EngineConfig("node-1", runs_dir, run_retention_days=90)
    engine = Engine(store, {"pythonshell": FakeExecutor()}, clock, config)
    try:
        first = stored_run(store, runs_dir, clock.now() - 100 * DAY, RunState.SUCCEEDED)
        settle(engine, lambda: store.runs.get_run("j_a", first.id) is None)
        second = stored_run(store, runs_dir, clock.now() - 100 * DAY, RunState.SUCCEEDED)
        engine.tick()
        assert store.runs.get_run("j_a", second.id) is not None  # the next sweep is an hour away
        clock.advance(3601)
        settle(engine, lambda: store.runs.get_run("j_a", second.id) is None)
        assert not (runs_dir / second.id).exists()
    finally:
        engine.shutdown()
