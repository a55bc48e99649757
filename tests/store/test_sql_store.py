"""The Store contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from sqlalchemy import func, select

from gluerun.errors import AlreadyExists, ConcurrentRunsExceeded, EntityNotFound
from gluerun.model.runs import RunState
from gluerun.store import Stores
from gluerun.store.base import StopOutcome
from gluerun.store.tables import metadata
from gluerun.testing import make_job, make_run

NOW = 1_700_000_000.0


def test_job_roundtrip_and_duplicate(store: Stores) -> None:
    job = make_job("a", default_arguments={"--k": "v"}, extras={"Description": "d"})
    store.runs.create_job(job, {"team": "x"})
    assert store.runs.get_job("a") == job
    assert store.runs.get_tags("job", "a") == {"team": "x"}
    with pytest.raises(AlreadyExists):
        store.runs.create_job(job, {})


def test_list_jobs_pages_by_name_and_filters_tags(store: Stores) -> None:
    for name in ["c", "a", "b"]:
        store.runs.create_job(make_job(name), {"t": name})
    assert [j.name for j in store.runs.list_jobs(None, 2)] == ["a", "b"]
    assert [j.name for j in store.runs.list_jobs("b", 2)] == ["c"]
    assert [j.name for j in store.runs.list_jobs(None, 10, {"t": "b"})] == ["b"]
    assert store.runs.list_jobs(None, 10, {"t": "zz"}) == []


def test_replace_and_delete_job(store: Stores) -> None:
    store.runs.create_job(make_job("a"), {"k": "v"})
    store.runs.replace_job(make_job("a", max_retries=3))
    job = store.runs.get_job("a")
    assert job is not None and job.max_retries == 3
    with pytest.raises(EntityNotFound):
        store.runs.replace_job(make_job("missing"))
    assert store.runs.delete_job("a", NOW) is True
    assert store.runs.get_job("a") is None
    assert store.runs.get_tags("job", "a") == {}
    assert store.runs.delete_job("a", NOW) is False


def test_tags(store: Stores) -> None:
    store.runs.create_job(make_job("a"), {})
    store.runs.tag_resource("job", "a", {"x": "1", "y": "2"})
    store.runs.tag_resource("job", "a", {"x": "3"})
    store.runs.untag_resource("job", "a", ["y"])
    assert store.runs.get_tags("job", "a") == {"x": "3"}


def test_start_run_admits_up_to_the_limit(store: Stores) -> None:
    job = make_job("a")
    store.runs.create_job(job, {})
    first = store.runs.start_run(make_run(job), limit=1, queuing=False)
    assert first.state is RunState.STARTING
    with pytest.raises(ConcurrentRunsExceeded) as refused:
        store.runs.start_run(make_run(job), limit=1, queuing=False)
    assert refused.value.job_name == "a"
    queued = store.runs.start_run(make_run(job), limit=1, queuing=True)
    assert queued.state is RunState.WAITING
    assert store.runs.get_run(job.job_id, queued.id) == queued


def test_start_run_unknown_job(store: Stores) -> None:
    with pytest.raises(EntityNotFound):
        store.runs.start_run(make_run(make_job("ghost")), limit=1, queuing=False)


def test_concurrent_starts_admit_exactly_the_limit(store: Stores) -> None:
    job = make_job("a")
    store.runs.create_job(job, {})
    admitted, rejected = [], []
    lock = threading.Lock()

    def start() -> None:
        try:
            store.runs.start_run(make_run(job), limit=3, queuing=False)
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


def test_list_runs_newest_first_with_cursor(store: Stores) -> None:
    job = make_job("a")
    store.runs.create_job(job, {})
    ids = [store.runs.start_run(make_run(job), limit=100, queuing=False).id for _ in range(5)]
    page = store.runs.list_runs(job.job_id, None, 2)
    assert [r.id for r in page.runs] == ids[::-1][:2]
    page2 = store.runs.list_runs(job.job_id, page.next_cursor, 2)
    page3 = store.runs.list_runs(job.job_id, page2.next_cursor, 2)
    assert [r.id for r in page2.runs + page3.runs] == ids[::-1][2:]
    assert page3.next_cursor is None


def test_request_stop_outcomes(store: Stores) -> None:
    job = make_job("a")
    store.runs.create_job(job, {})
    running = store.runs.start_run(make_run(job), limit=1, queuing=True)
    waiting = store.runs.start_run(make_run(job), limit=1, queuing=True)
    assert [run.id for run in store.runs.claim_runs("node-1", 1)] == [running.id]
    assert store.runs.request_stop(job.job_id, running.id, NOW) == StopOutcome.ACCEPTED
    assert store.runs.request_stop(job.job_id, running.id, NOW) == StopOutcome.ACCEPTED
    assert store.runs.request_stop(job.job_id, waiting.id, NOW) == StopOutcome.STOPPED_WAITING
    assert store.runs.request_stop(job.job_id, waiting.id, NOW) == StopOutcome.FINISHED
    assert store.runs.request_stop(job.job_id, "jr_nope", NOW) == StopOutcome.NOT_FOUND
    stored = store.runs.get_run(job.job_id, running.id)
    assert stored is not None and stored.state is RunState.STOPPING


def test_a_run_no_engine_claimed_stops_at_once(store: Stores) -> None:
    job = make_job("a")
    store.runs.create_job(job, {})
    run = store.runs.start_run(make_run(job), limit=1, queuing=False)
    assert store.runs.request_stop(job.job_id, run.id, NOW) == StopOutcome.ACCEPTED
    stored = store.runs.get_run(job.job_id, run.id)
    assert stored is not None and stored.state is RunState.STOPPED
    assert store.runs.claim_runs("node-1", 1) == []
    assert store.runs.start_run(make_run(job), limit=1, queuing=False).state is RunState.STARTING


def test_claim_is_exclusive_and_update_is_compare_and_set(store: Stores) -> None:
    job = make_job("a")
    store.runs.create_job(job, {})
    run = store.runs.start_run(make_run(job), limit=5, queuing=False)
    claimed = store.runs.claim_runs("node-1", 10)
    assert [r.id for r in claimed] == [run.id]
    assert store.runs.claim_runs("node-2", 10) == []
    running = claimed[0].with_state(RunState.RUNNING, NOW + 1)
    assert store.runs.update_run(running, {RunState.STARTING}) is True
    assert store.runs.update_run(running, {RunState.STARTING}) is False
    assert [r.id for r in store.runs.node_runs("node-1", {RunState.RUNNING})] == [run.id]
    assert store.runs.node_runs("node-2", {RunState.RUNNING}) == []


def test_admit_waiting_fills_free_slots_oldest_first(store: Stores) -> None:
    job = make_job("a")
    store.runs.create_job(job, {})
    first = store.runs.start_run(make_run(job), limit=1, queuing=True)
    queued = [store.runs.start_run(make_run(job), limit=1, queuing=True) for _ in range(2)]
    assert store.runs.admit_waiting(NOW) == []
    done = first.with_state(RunState.FAILED, NOW)
    assert store.runs.update_run(done, {RunState.STARTING})
    admitted = store.runs.admit_waiting(NOW + 5)
    assert [r.id for r in admitted] == [queued[0].id]
    assert admitted[0].state is RunState.STARTING
    assert admitted[0].admitted_on == NOW + 5


def test_delete_job_stops_its_active_runs(store: Stores) -> None:
    job = make_job("a")
    store.runs.create_job(job, {})
    active = store.runs.start_run(make_run(job), limit=1, queuing=True)
    queued = store.runs.start_run(make_run(job), limit=1, queuing=True)
    store.runs.claim_runs("node-1", 1)
    store.runs.delete_job("a", NOW)
    states = {r.id: r.state for r in store.runs.node_runs(None, set(RunState))}
    assert states == {active.id: RunState.STOPPING, queued.id: RunState.STOPPED}


def test_run_document_roundtrip(store: Stores) -> None:
    job = make_job("a")
    store.runs.create_job(job, {})
    run = make_run(job, arguments={"--x": "1"}, predecessors=())
    run = dataclasses.replace(run, error_message="e", max_capacity=0.0625)
    store.runs.insert_run(run)
    assert store.runs.get_run(job.job_id, run.id) == run


def test_wait_for_change_wakes_on_write(store: Stores) -> None:
    store.db.wait_for_change(0)
    assert store.db.wait_for_change(0.01) is False
    job = make_job("a")
    store.runs.create_job(job, {})
    store.runs.start_run(make_run(job), limit=1, queuing=False)
    assert store.db.wait_for_change(0.01) is True


def test_admission_counts_follow_every_write(store: Stores) -> None:
    from sqlalchemy import select

    from gluerun.store.tables import jobs

    job = make_job("a", max_concurrent_runs=2)
    store.runs.create_job(job, {})
    first = store.runs.start_run(make_run(job), limit=2, queuing=True)
    second = store.runs.start_run(make_run(job), limit=2, queuing=True)
    queued = [store.runs.start_run(make_run(job), limit=2, queuing=True) for _ in range(3)]
    store.runs.request_stop(job.job_id, queued[2].id, NOW)  # WAITING → STOPPED
    store.runs.claim_runs("n", 10)
    running = store.runs.get_run(job.job_id, first.id)
    assert running is not None
    store.runs.update_run(running.with_state(RunState.RUNNING, NOW), {RunState.STARTING})
    store.runs.request_stop(job.job_id, second.id, NOW)  # STARTING → STOPPING: still a slot
    done = store.runs.get_run(job.job_id, first.id)
    assert done is not None
    store.runs.update_run(done.with_state(RunState.SUCCEEDED, NOW), {RunState.RUNNING})
    store.runs.admit_waiting(NOW)  # one slot freed: the oldest queued run starts
    with store.db.engine.connect() as conn:
        counts = conn.execute(
            select(jobs.c.slot_runs, jobs.c.waiting_runs).where(jobs.c.name == "a")
        ).one()
    states = [r.state for r in store.runs.node_runs(None, set(RunState))]
    slots = sum(s in (RunState.STARTING, RunState.RUNNING, RunState.STOPPING) for s in states)
    assert tuple(counts) == (slots, states.count(RunState.WAITING)) == (2, 1)


def test_reset_deletes_every_row_of_every_table(store: Stores) -> None:
    store.runs.create_job(make_job("a"), {"k": "v"})
    store.runs.start_run(make_run(make_job("a")), 1, False)
    store.logs.append_log_events("/aws-glue/jobs/output", "jr_x", [(1, "line")], 2)
    store.db.reset()
    with store.db.engine.connect() as conn:
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar()
            for t in metadata.sorted_tables
        }
    assert set(counts.values()) == {0}, counts
    store.runs.create_job(make_job("a"), {})  # the same names can be used again
    assert store.runs.get_job("a") is not None
