"""Log streams and events in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from gluerun.store import Stores

G, S = "/aws-glue/jobs/output", "jr_1"


def fill(store: Stores, n: int, stream: str = S, start: int = 1000) -> None:
    store.logs.append_log_events(G, stream, [(start + i, f"line {i}") for i in range(n)], start + n)


def test_stream_created_on_first_event_with_bookkeeping(store: Stores) -> None:
    assert store.logs.log_stream(G, S) is None
    store.logs.append_log_events(G, S, [(1000, "a"), (1005, "bb")], 2000, source_bytes=5)
    stream = store.logs.log_stream(G, S)
    assert stream is not None
    assert (stream.first_event, stream.last_event, stream.last_ingestion) == (1000, 1005, 2000)
    assert (stream.stored_bytes, stream.source_bytes) == (3, 5)
    store.logs.append_log_events(G, S, [(1010, "c")], 3000, source_bytes=7)
    stream = store.logs.log_stream(G, S)
    assert stream is not None and (stream.last_event, stream.stored_bytes, stream.source_bytes) == (
        1010,
        4,
        7,
    )


def test_read_forward_newest_and_backward(store: Stores) -> None:
    fill(store, 10)
    head = store.logs.read_log_events(G, S, limit=3, newest=False)
    assert [e.message for e in head] == ["line 0", "line 1", "line 2"]
    tail = store.logs.read_log_events(G, S, limit=3, newest=True)
    assert [e.message for e in tail] == ["line 7", "line 8", "line 9"]
    after = store.logs.read_log_events(G, S, after=head[-1].seq + 1, limit=2, newest=False)
    assert [e.message for e in after] == ["line 3", "line 4"]
    before = store.logs.read_log_events(G, S, before=tail[0].seq, limit=2, newest=True)
    assert [e.message for e in before] == ["line 5", "line 6"]
    window = store.logs.read_log_events(G, S, start=1002, end=1004, limit=10, newest=False)
    assert [e.message for e in window] == ["line 2", "line 3"]


def test_filter_across_streams(store: Stores) -> None:
    fill(store, 5, "jr_1")
    fill(store, 5, "jr_2")
    found, last = store.logs.filter_log_events(
        G, None, None, after=None, start=None, end=None, limit=100, matches=lambda m: "3" in m
    )
    assert [(e.stream, e.message) for e in found] == [("jr_1", "line 3"), ("jr_2", "line 3")]
    only, _ = store.logs.filter_log_events(
        G, ["jr_2"], None, after=None, start=None, end=None, limit=2, matches=lambda m: True
    )
    assert [(e.stream, e.message) for e in only] == [("jr_2", "line 0"), ("jr_2", "line 1")]
    assert last is not None


def test_groups_streams_and_expiry(store: Stores) -> None:
    fill(store, 2, "jr_a")
    store.logs.append_log_events("/aws-glue/jobs/error", "jr_a", [(5, "e")], 9999)
    assert [g.name for g in store.logs.log_groups(None, None, 10)] == [
        "/aws-glue/jobs/error",
        "/aws-glue/jobs/output",
    ]
    assert [g.name for g in store.logs.log_groups("/aws-glue/jobs/o", None, 10)] == [G]
    fill(store, 1, "jr_b", start=5000)
    by_name = store.logs.log_streams(G, None, False, False, 0, 10)
    assert [s.stream for s in by_name] == ["jr_a", "jr_b"]
    by_time = store.logs.log_streams(G, None, True, True, 0, 10)
    assert [s.stream for s in by_time] == ["jr_b", "jr_a"]
    assert store.logs.expire_logs(5000) == 2  # jr_a output events; the error event is newer
    assert store.logs.log_stream(G, "jr_a") is None
    assert store.logs.log_stream(G, "jr_b") is not None
