"""Events recorded with the run changes that cause them; webhook cursors; metric counts."""

from __future__ import annotations

from gluerun.model.runs import RunState
from gluerun.store.sql import SqlStore
from gluerun.testing import make_job, make_run

NOW = 1_700_000_000.0


def types(store: SqlStore) -> list[tuple[str, str]]:
    return [(e.detail_type, e.detail["state"]) for e in store.events_after(0, 100)]


def test_final_states_record_one_event_each(store: SqlStore) -> None:
    job = make_job("a")
    store.create_job(job, {})
    run = store.start_run(make_run(job), limit=5, queuing=True)
    running = run.with_state(RunState.RUNNING, NOW)
    assert store.update_run(running, {RunState.STARTING})
    assert types(store) == []
    done = running.with_state(RunState.SUCCEEDED, NOW + 1)
    assert store.update_run(done, {RunState.RUNNING})
    assert not store.update_run(done, {RunState.RUNNING})  # the CAS loses: no second event
    queued = store.start_run(make_run(job), limit=0, queuing=True)
    store.request_stop(job.job_id, queued.id, NOW)
    assert types(store) == [
        ("Glue Job State Change", "SUCCEEDED"),
        ("Glue Job State Change", "STOPPED"),
    ]


def test_webhook_cursor_is_compare_and_set(store: SqlStore) -> None:
    assert store.webhook_cursor("http://x") == 0
    assert store.advance_webhook("http://x", 0, 3)
    assert not store.advance_webhook("http://x", 0, 4)
    assert store.advance_webhook("http://x", 3, 4)
    assert store.webhook_cursor("http://x") == 4


def test_run_counts_and_queue_depth(store: SqlStore) -> None:
    job = make_job("a")
    store.create_job(job, {})
    store.start_run(make_run(job), limit=1, queuing=True)
    store.start_run(make_run(job), limit=1, queuing=True)
    assert sorted(store.run_counts()) == [("a", "STARTING", 1), ("a", "WAITING", 1)]
    assert store.queue_depth() == (1, 1)
