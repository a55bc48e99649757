"""Queue admission reads only what it admits: its cost follows the free slots, not the backlog."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from gluerun.model.runs import JobRun, RunState
from gluerun.store import Stores, codec
from gluerun.testing import make_job, make_run


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the runs the store decodes from here on."""
    seen: list[str] = []
    real: Callable[..., JobRun] = codec.load_run

    def counting(doc: str | bytes) -> JobRun:
        run = real(doc)
        seen.append(run.id)
        return run

    monkeypatch.setattr(codec, "load_run", counting)
    return seen


def queue_of(store: Stores, limit: int, waiting: int) -> tuple[list[str], list[str]]:
    """A job whose `limit` slots are busy, with `waiting` runs queued behind them."""
    job = make_job("q", max_concurrent_runs=limit)
    store.runs.create_job(job, {})
    busy = [store.runs.start_run(make_run(job), limit, True).id for _ in range(limit)]
    queued = [store.runs.start_run(make_run(job), limit, True) for _ in range(waiting)]
    assert all(run.state is RunState.WAITING for run in queued)
    return busy, [run.id for run in queued]


def test_a_full_job_costs_nothing_however_long_its_queue(store: Stores, decoded: list[str]) -> None:
    queue_of(store, limit=1, waiting=40)
    decoded.clear()
    assert store.runs.admit_waiting(1.0) == []
    assert decoded == []


def test_freed_slots_admit_the_oldest_waiting_runs_reading_only_those(
    store: Stores, decoded: list[str]
) -> None:
    busy, queued = queue_of(store, limit=2, waiting=30)
    for run_id in busy:
        run = store.runs.get_run("j_q", run_id)
        assert run is not None
        assert store.runs.update_run(run.with_state(RunState.FAILED, 2.0), {RunState.STARTING})
    decoded.clear()
    admitted = store.runs.admit_waiting(3.0)
    assert [run.id for run in admitted] == queued[:2]
    assert all(run.state is RunState.STARTING and run.admitted_on == 3.0 for run in admitted)
    assert sorted(decoded) == sorted(queued[:2])
    assert store.runs.admit_waiting(4.0) == []


def test_a_raised_limit_admits_as_many_as_it_frees(store: Stores) -> None:
    _, queued = queue_of(store, limit=1, waiting=5)
    job = store.runs.get_job("q")
    assert job is not None
    store.runs.replace_job(dataclasses.replace(job, max_concurrent_runs=4))
    assert [run.id for run in store.runs.admit_waiting(5.0)] == queued[:3]
