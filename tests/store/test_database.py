"""The Database under every family: driver errors of the prepared fast reads are translated
like those of any other read, and node_runs answers for any set of states."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from gluerun.errors import StoreError
from gluerun.model.runs import RunState
from gluerun.store import Stores
from gluerun.testing import make_job, make_run

NOW = 1_700_000_000.0


@contextmanager
def _runs_table_renamed(store: Stores) -> Iterator[None]:
    with store.db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE runs RENAME TO runs_away"))
    try:
        yield
    finally:
        with store.db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE runs_away RENAME TO runs"))


def test_a_failing_fast_read_raises_store_error(store: Stores) -> None:
    job = make_job("a")
    store.runs.create_job(job, {})
    run = store.runs.start_run(make_run(job), limit=1, queuing=False)
    assert store.runs.get_run(job.job_id, run.id) == run  # the statement is prepared and used
    with _runs_table_renamed(store), pytest.raises(StoreError) as caught:
        store.runs.get_run(job.job_id, run.id)
    assert "runs" in str(caught.value)
    assert caught.value.__cause__ is not None
    assert store.runs.get_run(job.job_id, run.id) == run


@pytest.mark.parametrize("node", ["node-1", None])
def test_node_runs_for_any_set_of_states(store: Stores, node: str | None) -> None:
    job = make_job("a", max_concurrent_runs=10)
    store.runs.create_job(job, {})
    started = [store.runs.start_run(make_run(job), limit=10, queuing=False) for _ in range(3)]
    store.runs.claim_runs("node-1", 10)
    first = store.runs.get_run(job.job_id, started[0].id)
    assert first is not None
    store.runs.update_run(first.with_state(RunState.RUNNING, NOW), {RunState.STARTING})
    running = store.runs.get_run(job.job_id, started[0].id)
    assert running is not None
    store.runs.update_run(running.with_state(RunState.SUCCEEDED, NOW), {RunState.RUNNING})
    store.runs.request_stop(job.job_id, started[1].id, NOW)
    ids = [run.id for run in started]

    def found(*states: RunState) -> list[str]:
        return [run.id for run in store.runs.node_runs(node, set(states))]

    assert found(RunState.SUCCEEDED) == ids[:1]
    assert found(RunState.STOPPING, RunState.STARTING) == ids[1:]
    assert found(RunState.SUCCEEDED, RunState.STARTING) == [ids[0], ids[2]]
    assert found(RunState.WAITING) == found() == []
    assert [run.id for run in store.runs.node_runs("node-2", {RunState.STARTING})] == []
