"""Events recorded with the run changes that cause them; webhook cursors; metric counts."""

from __future__ import annotations

from gluerun.model.runs import RunState
from gluerun.store import Stores
from gluerun.testing import make_job, make_run

NOW = 1_700_000_000.0


def types(store: Stores) -> list[tuple[str, str]]:
    return [(e.detail_type, e.detail["state"]) for e in store.events.events_after(0, 100)]


def test_final_states_record_one_event_each(store: Stores) -> None:
    job = make_job("a")
    store.runs.create_job(job, {})
    run = store.runs.start_run(make_run(job), limit=5, queuing=True)
    running = run.with_state(RunState.RUNNING, NOW)
    assert store.runs.update_run(running, {RunState.STARTING})
    assert types(store) == []
    done = running.with_state(RunState.SUCCEEDED, NOW + 1)
    assert store.runs.update_run(done, {RunState.RUNNING})
    assert not store.runs.update_run(done, {RunState.RUNNING})  # the CAS loses: no second event
    queued = store.runs.start_run(make_run(job), limit=0, queuing=True)
    store.runs.request_stop(job.job_id, queued.id, NOW)
    assert types(store) == [
        ("Glue Job State Change", "SUCCEEDED"),
        ("Glue Job State Change", "STOPPED"),
    ]


def test_webhook_cursor_is_compare_and_set(store: Stores) -> None:
    assert store.events.webhook_cursor("http://x") == 0
    assert store.events.advance_webhook("http://x", 0, 3)
    assert not store.events.advance_webhook("http://x", 0, 4)
    assert store.events.advance_webhook("http://x", 3, 4)
    assert store.events.webhook_cursor("http://x") == 4


def test_run_counts_and_queue_depth(store: Stores) -> None:
    job = make_job("a")
    store.runs.create_job(job, {})
    store.runs.start_run(make_run(job), limit=1, queuing=True)
    store.runs.start_run(make_run(job), limit=1, queuing=True)
    assert sorted(store.events.run_counts()) == [("a", "STARTING", 1), ("a", "WAITING", 1)]
    assert store.events.queue_depth() == (1, 1)
