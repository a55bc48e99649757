"""The Store contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from sqlalchemy import func, select

from gluerun.errors import AlreadyExists, ConcurrentRunsExceeded, EntityNotFound
from gluerun.model.runs import RunState
from gluerun.store.base import StopOutcome
from gluerun.store.sql import SqlStore
from gluerun.store.tables import metadata
from gluerun.testing import make_job, make_run

NOW = 1_700_000_000.0


def test_job_roundtrip_and_duplicate(store: SqlStore) -> None:
    job = make_job("a", default_arguments={"--k": "v"}, extras={"Description": "d"})
    store.create_job(job, {"team": "x"})
    assert store.get_job("a") == job
    assert store.get_tags("job", "a") == {"team": "x"}
    with pytest.raises(AlreadyExists):
        store.create_job(job, {})


def test_list_jobs_pages_by_name_and_filters_tags(store: SqlStore) -> None:
    for name in ["c", "a", "b"]:
        store.create_job(make_job(name), {"t": name})
    assert [j.name for j in store.list_jobs(None, 2)] == ["a", "b"]
    assert [j.name for j in store.list_jobs("b", 2)] == ["c"]
    assert [j.name for j in store.list_jobs(None, 10, {"t": "b"})] == ["b"]
    assert store.list_jobs(None, 10, {"t": "zz"}) == []


def test_replace_and_delete_job(store: SqlStore) -> None:
    store.create_job(make_job("a"), {"k": "v"})
    store.replace_job(make_job("a", max_retries=3))
    job = store.get_job("a")
    assert job is not None and job.max_retries == 3
    with pytest.raises(EntityNotFound):
        store.replace_job(make_job("missing"))
    assert store.delete_job("a", NOW) is True
    assert store.get_job("a") is None
    assert store.get_tags("job", "a") == {}
    assert store.delete_job("a", NOW) is False


def test_tags(store: SqlStore) -> None:
    store.create_job(make_job("a"), {})
    store.tag_resource("job", "a", {"x": "1", "y": "2"})
    store.tag_resource("job", "a", {"x": "3"})
    store.untag_resource("job", "a", ["y"])
    assert store.get_tags("job", "a") == {"x": "3"}


def test_start_run_admits_up_to_the_limit(store: SqlStore) -> None:
    job = make_job("a")
    store.create_job(job, {})
    first = store.start_run(make_run(job), limit=1, queuing=False)
    assert first.state is RunState.STARTING
    with pytest.raises(ConcurrentRunsExceeded, match="Concurrent runs exceeded for a"):
        store.start_run(make_run(job), limit=1, queuing=False)
    queued = store.start_run(make_run(job), limit=1, queuing=True)
    assert queued.state is RunState.WAITING
    assert store.get_run(job.job_id, queued.id) == queued


def test_start_run_unknown_job(store: SqlStore) -> None:
    with pytest.raises(EntityNotFound):
        store.start_run(make_run(make_job("ghost")), limit=1, queuing=False)


def test_concurrent_starts_admit_exactly_the_limit(store: SqlStore) -> None:
    job = make_job("a")
    store.create_job(job, {})
    admitted, rejected = [], []
    lock = threading.Lock()

    def start() -> None:
        try:
            store.start_run(make_run(job), limit=3, queuing=False)
            outcome = admitted
        except ConcurrentRunsExceeded:
            outcome = rejected
        with lock:
            outcome.append(1)

    threads = [threading.Thread(target=start) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(admitted), len(rejected)) == (3, 17)


def test_list_runs_newest_first_with_cursor(store: SqlStore) -> None:
    job = make_job("a")
    store.create_job(job, {})
    ids = [store.start_run(make_run(job), limit=100, queuing=False).id for _ in range(5)]
    page = store.list_runs(job.job_id, None, 2)
    assert [r.id for r in page.runs] == ids[::-1][:2]
    page2 = store.list_runs(job.job_id, page.next_cursor, 2)
    page3 = store.list_runs(job.job_id, page2.next_cursor, 2)
    assert [r.id for r in page2.runs + page3.runs] == ids[::-1][2:]
    assert page3.next_cursor is None


def test_request_stop_outcomes(store: SqlStore) -> None:
    job = make_job("a")
    store.create_job(job, {})
    running = store.start_run(make_run(job), limit=1, queuing=True)
    waiting = store.start_run(make_run(job), limit=1, queuing=True)
    assert [run.id for run in store.claim_runs("node-1", 1)] == [running.id]
    assert store.request_stop(job.job_id, running.id, NOW) == StopOutcome.ACCEPTED
    assert store.request_stop(job.job_id, running.id, NOW) == StopOutcome.ACCEPTED
    assert store.request_stop(job.job_id, waiting.id, NOW) == StopOutcome.STOPPED_WAITING
    assert store.request_stop(job.job_id, waiting.id, NOW) == StopOutcome.FINISHED
    assert store.request_stop(job.job_id, "jr_nope", NOW) == StopOutcome.NOT_FOUND
    stored = store.get_run(job.job_id, running.id)
    assert stored is not None and stored.state is RunState.STOPPING


def test_a_run_no_engine_claimed_stops_at_once(store: SqlStore) -> None:
    job = make_job("a")
    store.create_job(job, {})
    run = store.start_run(make_run(job), limit=1, queuing=False)
    assert store.request_stop(job.job_id, run.id, NOW) == StopOutcome.ACCEPTED
    stored = store.get_run(job.job_id, run.id)
    assert stored is not None and stored.state is RunState.STOPPED
    assert store.claim_runs("node-1", 1) == []
    assert store.start_run(make_run(job), limit=1, queuing=False).state is RunState.STARTING


def test_claim_is_exclusive_and_update_is_compare_and_set(store: SqlStore) -> None:
    job = make_job("a")
    store.create_job(job, {})
    run = store.start_run(make_run(job), limit=5, queuing=False)
    claimed = store.claim_runs("node-1", 10)
    assert [r.id for r in claimed] == [run.id]
    assert store.claim_runs("node-2", 10) == []
    running = claimed[0].with_state(RunState.RUNNING, NOW + 1)
    assert store.update_run(running, {RunState.STARTING}) is True
    assert store.update_run(running, {RunState.STARTING}) is False
    assert [r.id for r in store.node_runs("node-1", {RunState.RUNNING})] == [run.id]
    assert store.node_runs("node-2", {RunState.RUNNING}) == []


def test_admit_waiting_fills_free_slots_oldest_first(store: SqlStore) -> None:
    job = make_job("a")
    store.create_job(job, {})
    first = store.start_run(make_run(job), limit=1, queuing=True)
    queued = [store.start_run(make_run(job), limit=1, queuing=True) for _ in range(2)]
    assert store.admit_waiting(NOW) == []
    done = first.with_state(RunState.FAILED, NOW)
    assert store.update_run(done, {RunState.STARTING})
    admitted = store.admit_waiting(NOW + 5)
    assert [r.id for r in admitted] == [queued[0].id]
    assert admitted[0].state is RunState.STARTING
    assert admitted[0].admitted_on == NOW + 5


def test_delete_job_stops_its_active_runs(store: SqlStore) -> None:
    job = make_job("a")
    store.create_job(job, {})
    active = store.start_run(make_run(job), limit=1, queuing=True)
    queued = store.start_run(make_run(job), limit=1, queuing=True)
    store.claim_runs("node-1", 1)
    store.delete_job("a", NOW)
    states = {r.id: r.state for r in store.node_runs(None, set(RunState))}
    assert states == {active.id: RunState.STOPPING, queued.id: RunState.STOPPED}


def test_run_document_roundtrip(store: SqlStore) -> None:
    job = make_job("a")
    store.create_job(job, {})
    run = make_run(job, arguments={"--x": "1"}, predecessors=())
    run = dataclasses.replace(run, error_message="e", max_capacity=0.0625)
    store.insert_run(run)
    assert store.get_run(job.job_id, run.id) == run


def test_wait_for_change_wakes_on_write(store: SqlStore) -> None:
    store.wait_for_change(0)
    assert store.wait_for_change(0.01) is False
    job = make_job("a")
    store.create_job(job, {})
    store.start_run(make_run(job), limit=1, queuing=False)
    assert store.wait_for_change(0.01) is True


def test_admission_counts_follow_every_write(store: SqlStore) -> None:
    from sqlalchemy import select

    from gluerun.store.tables import jobs

    job = make_job("a", max_concurrent_runs=2)
    store.create_job(job, {})
    first = store.start_run(make_run(job), limit=2, queuing=True)
    second = store.start_run(make_run(job), limit=2, queuing=True)
    queued = [store.start_run(make_run(job), limit=2, queuing=True) for _ in range(3)]
    store.request_stop(job.job_id, queued[2].id, NOW)  # WAITING → STOPPED
    store.claim_runs("n", 10)
    running = store.get_run(job.job_id, first.id)
    assert running is not None
    store.update_run(running.with_state(RunState.RUNNING, NOW), {RunState.STARTING})
    store.request_stop(job.job_id, second.id, NOW)  # STARTING → STOPPING: still a slot
    done = store.get_run(job.job_id, first.id)
    assert done is not None
    store.update_run(done.with_state(RunState.SUCCEEDED, NOW), {RunState.RUNNING})
    store.admit_waiting(NOW)  # one slot freed: the oldest queued run starts
    with store.engine.connect() as conn:
        counts = conn.execute(
            select(jobs.c.slot_runs, jobs.c.waiting_runs).where(jobs.c.name == "a")
        ).one()
    states = [r.state for r in store.node_runs(None, set(RunState))]
    slots = sum(s in (RunState.STARTING, RunState.RUNNING, RunState.STOPPING) for s in states)
    assert tuple(counts) == (slots, states.count(RunState.WAITING)) == (2, 1)


def test_reset_deletes_every_row_of_every_table(store: SqlStore) -> None:
    store.create_job(make_job("a"), {"k": "v"})
    store.start_run(make_run(make_job("a")), 1, False)
    store.append_log_events("/aws-glue/jobs/output", "jr_x", [(1, "line")], 2)
    store.reset()
    with store.engine.connect() as conn:
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar()
            for t in metadata.sorted_tables
        }
    assert set(counts.values()) == {0}, counts
    store.create_job(make_job("a"), {})  # the same names can be used again
    assert store.get_job("a") is not None
