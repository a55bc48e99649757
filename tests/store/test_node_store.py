"""Node leases and fencing in the store: a node taken over can no longer write about runs."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from gluerun.cluster_report import RUNS_HEADER, format_table, node_rows, run_rows
from gluerun.errors import AlreadyExists
from gluerun.metrics import Metrics
from gluerun.model import starts
from gluerun.model.logs import ERROR_GROUP, OUTPUT_GROUP
from gluerun.model.runs import JobRun, RunState
from gluerun.store import Stores
from gluerun.store.base import Fence
from gluerun.testing import make_job, make_run

LEASE = 10.0


def claimed_run(store: Stores, node: Fence) -> JobRun:
    job = make_job("fenced")
    store.runs.create_job(job, {})
    store.runs.start_run(make_run(job), 5, False)
    [run] = store.runs.claim_runs(node.node_id, 1, node)
    return run


def test_join_starts_a_new_epoch_each_time(store: Stores) -> None:
    first = store.nodes.join_node("a", 0.0, LEASE)
    second = store.nodes.join_node("a", 1.0, LEASE)
    assert second.epoch == first.epoch + 1
    assert not store.nodes.renew_lease(first, 2.0, LEASE)
    assert store.nodes.renew_lease(second, 2.0, LEASE)


def test_only_lapsed_leases_are_expired_and_renewal_extends_them(store: Stores) -> None:
    a = store.nodes.join_node("a", 0.0, LEASE)
    store.nodes.join_node("b", 0.0, LEASE)
    assert store.nodes.expired_nodes(LEASE - 1) == []
    assert store.nodes.renew_lease(a, LEASE - 1, LEASE)
    expired = store.nodes.expired_nodes(LEASE + 1)
    assert [lease.fence.node_id for lease in expired] == ["b"]
    assert not store.nodes.take_over_node(a, LEASE + 1), "a's lease has not run out"


def test_a_node_is_taken_over_once(store: Stores) -> None:
    b = store.nodes.join_node("b", 0.0, LEASE)
    [lease] = store.nodes.expired_nodes(LEASE + 1)
    assert store.nodes.take_over_node(lease.fence, LEASE + 1)
    assert not store.nodes.take_over_node(lease.fence, LEASE + 1)
    assert store.nodes.expired_nodes(LEASE + 2) == [], "a lost node is not taken over again"
    assert not store.nodes.renew_lease(b, LEASE + 2, LEASE)
    [row] = store.nodes.list_nodes()
    assert row.state == "lost" and row.fence.epoch == b.epoch + 1


def test_a_taken_over_epoch_cannot_write_a_run(store: Stores) -> None:
    stale = store.nodes.join_node("b", 0.0, LEASE)
    taker = store.nodes.join_node("a", LEASE, LEASE)
    run = claimed_run(store, stale)
    running = run.with_state(RunState.RUNNING, 1.0)
    assert store.runs.update_run(running, {RunState.STARTING}, stale)
    assert store.nodes.take_over_node(stale, LEASE + 1)
    succeeded = running.with_state(RunState.SUCCEEDED, LEASE + 2)
    assert not store.runs.update_run(succeeded, {RunState.RUNNING}, stale)
    failed = running.with_state(RunState.FAILED, LEASE + 2, error_message="node b was lost")
    assert store.runs.update_run(failed, {RunState.RUNNING}, taker)
    assert not store.runs.update_run(succeeded, {RunState.FAILED, RunState.RUNNING}, stale)
    stored = store.runs.get_run(run.launch.job_id, run.id)
    assert stored is not None and stored.state is RunState.FAILED


def test_a_rejoined_node_writes_again_but_its_old_epoch_does_not(store: Stores) -> None:
    old = store.nodes.join_node("b", 0.0, LEASE)
    run = claimed_run(store, old)
    new = store.nodes.join_node("b", 1.0, LEASE)
    running = run.with_state(RunState.RUNNING, 2.0)
    assert not store.runs.update_run(running, {RunState.STARTING}, old)
    assert store.runs.update_run(running, {RunState.STARTING}, new)


def test_a_taken_over_epoch_claims_nothing(store: Stores) -> None:
    stale = store.nodes.join_node("b", 0.0, LEASE)
    job = make_job("unclaimed")
    store.runs.create_job(job, {})
    store.runs.start_run(make_run(job), 5, False)
    assert store.nodes.take_over_node(stale, LEASE + 1)
    assert store.runs.claim_runs("b", 1, stale) == []
    live = store.nodes.join_node("b", LEASE + 2, LEASE)
    assert len(store.runs.claim_runs("b", 1, live)) == 1


def logged(store: Stores, group: str, stream: str) -> list[str]:
    events = store.logs.read_log_events(group, stream, limit=100, newest=False)
    return [event.message for event in events]


def test_a_taken_over_epoch_cannot_append_to_a_runs_log(store: Stores) -> None:
    """The log collector's lines and the engine's notes are run writes too: fenced alike."""
    stale = store.nodes.join_node("b", 0.0, LEASE)
    taker = store.nodes.join_node("a", LEASE, LEASE)
    run = claimed_run(store, stale)
    assert store.logs.append_log_lines(OUTPUT_GROUP, run.id, 1, ["before"], 1, 7, fence=stale)
    assert store.nodes.take_over_node(stale, LEASE + 1)
    assert not store.logs.append_log_lines(OUTPUT_GROUP, run.id, 2, ["after"], 2, 13, fence=stale)
    note = [(3, "gluerun: run ended SUCCEEDED.")]
    assert not store.logs.append_log_events(ERROR_GROUP, run.id, note, 3, fence=stale)
    assert logged(store, OUTPUT_GROUP, run.id) == ["before"]
    stream = store.logs.log_stream(OUTPUT_GROUP, run.id)
    assert stream is not None and stream.source_bytes == 7, "the refused batch moved no offset"
    assert store.logs.log_stream(ERROR_GROUP, run.id) is None
    lost = [(4, "gluerun: run ended FAILED: node b was lost.")]
    assert store.logs.append_log_events(ERROR_GROUP, run.id, lost, 4, fence=taker)
    assert logged(store, ERROR_GROUP, run.id) == [lost[0][1]]


def test_a_final_write_and_its_retry_are_one_transaction(store: Stores) -> None:
    node = store.nodes.join_node("b", 0.0, LEASE)
    run = claimed_run(store, node)
    running = run.with_state(RunState.RUNNING, 1.0)
    assert store.runs.update_run(running, {RunState.STARTING}, node)
    failed = running.with_state(RunState.FAILED, 2.0, error_message="boom")
    retry = starts.retry_run(failed, 2.0)
    taken = dataclasses.replace(retry, node_id="elsewhere")
    store.runs.insert_run(taken)  # the retry's id is taken: its insert fails...
    with pytest.raises(AlreadyExists):
        store.runs.update_run(failed, {RunState.RUNNING}, node, retry)
    stored = store.runs.get_run(run.launch.job_id, run.id)
    assert stored is not None and stored.state is RunState.RUNNING, "...and so does the FAILED"


def test_a_refused_final_write_inserts_no_retry(store: Stores) -> None:
    stale = store.nodes.join_node("b", 0.0, LEASE)
    run = claimed_run(store, stale)
    running = run.with_state(RunState.RUNNING, 1.0)
    assert store.runs.update_run(running, {RunState.STARTING}, stale)
    failed = running.with_state(RunState.FAILED, 2.0, error_message="boom")
    retry = starts.retry_run(failed, 2.0)
    assert store.nodes.take_over_node(stale, LEASE + 1)
    assert not store.runs.update_run(failed, {RunState.RUNNING}, stale, retry)
    assert store.runs.get_run(run.launch.job_id, retry.id) is None
    live = store.nodes.join_node("b", LEASE + 2, LEASE)
    assert store.runs.update_run(failed, {RunState.RUNNING}, live, retry)
    inserted = store.runs.get_run(run.launch.job_id, retry.id)
    assert inserted is not None and inserted.state is RunState.STARTING


def test_writes_without_a_fence_are_unchanged(store: Stores) -> None:
    stale = store.nodes.join_node("b", 0.0, LEASE)
    run = claimed_run(store, stale)
    assert store.nodes.take_over_node(stale, LEASE + 1)
    assert store.runs.update_run(run.with_state(RunState.RUNNING, 1.0), {RunState.STARTING})


def race_once(store: Stores, job_id: str) -> tuple[dict[str, bool], JobRun]:
    """A stale node finishing a run while another takes its node over, at the same time."""
    stale = store.nodes.join_node("b", 0.0, LEASE)
    taker = store.nodes.join_node("a", 100.0, LEASE)
    [run] = store.runs.claim_runs("b", 1, stale)
    running = run.with_state(RunState.RUNNING, 1.0)
    assert store.runs.update_run(running, {RunState.STARTING}, stale)
    wins: dict[str, bool] = {}

    def stale_finish() -> None:
        done = running.with_state(RunState.SUCCEEDED, 2.0)
        wins["stale"] = store.runs.update_run(done, {RunState.RUNNING}, stale)

    def take_over() -> None:
        if store.nodes.take_over_node(stale, LEASE + 1):
            failed = running.with_state(RunState.FAILED, 3.0, error_message="lost")
            wins["taker"] = store.runs.update_run(failed, {RunState.RUNNING}, taker)

    threads = [threading.Thread(target=stale_finish), threading.Thread(target=take_over)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = store.runs.get_run(job_id, run.id)
    assert stored is not None
    return wins, stored


def test_takeover_and_a_stale_write_racing_end_with_exactly_one_result(
    store: Stores,
) -> None:
    """Many rounds of the race (truly concurrent on PostgreSQL; SQLite serializes writers):
    never both writes, and the stored state is the winner's."""
    job = make_job("race")
    store.runs.create_job(job, {})
    for round_ in range(30):
        store.runs.start_run(make_run(job), 50, False)
        wins, stored = race_once(store, job.job_id)
        assert sum(wins.values()) == 1, (round_, wins)
        assert stored.state is (RunState.SUCCEEDED if wins.get("stale") else RunState.FAILED)


def test_metrics_show_each_nodes_lease_and_epoch(store: Stores) -> None:
    now = time.time()
    store.nodes.join_node("a", now, 60.0)
    b = store.nodes.join_node("b", now - 100, LEASE)
    assert store.nodes.take_over_node(b, now)
    text = Metrics(store.events, store.nodes).render().decode()
    assert 'gluerun_node_epoch{node="b"} 2.0' in text
    leases = {
        line.split()[0]: float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith("gluerun_node_lease_seconds{")
    }
    assert 55 < leases['gluerun_node_lease_seconds{node="a",state="live"}'] <= 60
    assert leases['gluerun_node_lease_seconds{node="b",state="lost"}'] < 0


def test_the_nodes_report_shows_each_nodes_state_lease_and_runs(store: Stores) -> None:
    """`gluerun nodes`' rows: a live node with the runs it holds, an expired one not yet
    taken over, and a lost one."""
    a = store.nodes.join_node("a", 0.0, 60.0)
    job = claimed_run(store, a).job_name
    second = store.runs.get_job(job)
    assert second is not None
    store.runs.start_run(make_run(second), 5, False)
    assert len(store.runs.claim_runs("a", 1, a)) == 1
    store.nodes.join_node("b", 0.0, LEASE)
    c = store.nodes.join_node("c", 0.0, LEASE)
    assert store.nodes.take_over_node(c, LEASE + 1)
    rows = {row[0]: row[1:] for row in node_rows(store.nodes, store.runs, LEASE + 5)}
    assert rows["a"][:3] == ("1", "live", "45.0s left") and rows["a"][-1] == "2"
    assert rows["b"][:3] == ("1", "expired", "ran out 5.0s ago") and rows["b"][-1] == "0"
    assert rows["c"][:2] == ("2", "lost") and rows["c"][-1] == "0"
    table = format_table(node_rows(store.nodes, store.runs, LEASE + 5))
    assert table[0].split()[:3] == ["NODE", "EPOCH", "STATE"] and len(table) == 4
    held = run_rows(store.nodes, store.runs)
    assert [(node, job, state) for node, job, _, state in held] == [("a", job, "STARTING")] * 2
    assert len({run_id for _, _, run_id, _ in held}) == 2
    assert format_table(held, RUNS_HEADER)[0].split() == ["NODE", "JOB", "RUN", "STATE"]
