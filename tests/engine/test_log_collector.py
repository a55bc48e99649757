"""The log collector against real files: lines, partial lines, restarts, timestamps."""

from __future__ import annotations

from pathlib import Path

from gluerun.clock import FakeClock
from gluerun.engine.logs import LogCollector
from gluerun.model.logs import ERROR_GROUP, OUTPUT_GROUP
from gluerun.store.sql import SqlStore
from gluerun.testing import make_job, make_run


def messages(store: SqlStore, group: str, run_id: str) -> list[str]:
    return [e.message for e in store.read_log_events(group, run_id, limit=100_000, newest=False)]


def test_tails_lines_and_keeps_partial_lines_until_complete(
    sqlite_store: SqlStore, clock: FakeClock, tmp_path: Path
) -> None:
    run = make_run(make_job(), now=clock.now() + 10)  # started "in the future" of the clock
    out = tmp_path / run.id / "stdout.log"
    out.parent.mkdir()
    collector = LogCollector(sqlite_store, clock, tmp_path)
    collector.watch(run)
    out.write_bytes(b"first\nsecond\npart")
    collector.collect()
    assert messages(sqlite_store, OUTPUT_GROUP, run.id) == ["first", "second"]
    with out.open("ab") as handle:
        handle.write(b"ial\nlast without newline")
    collector.collect()
    assert messages(sqlite_store, OUTPUT_GROUP, run.id)[-1] == "partial"
    collector.finish(run)
    assert messages(sqlite_store, OUTPUT_GROUP, run.id) == [
        "first",
        "second",
        "partial",
        "last without newline",
    ]
    events = sqlite_store.read_log_events(OUTPUT_GROUP, run.id, limit=10, newest=False)
    assert all(e.timestamp >= int(run.started_on * 1000) for e in events)


def test_a_new_collector_resumes_without_duplicates(
    sqlite_store: SqlStore, clock: FakeClock, tmp_path: Path
) -> None:
    run = make_run(make_job(), now=clock.now())
    err = tmp_path / run.id / "stderr.log"
    err.parent.mkdir()
    err.write_bytes(b"a\nb\n")
    first = LogCollector(sqlite_store, clock, tmp_path)
    first.watch(run)
    first.collect()
    with err.open("ab") as handle:
        handle.write(b"c\n")
    second = LogCollector(sqlite_store, clock, tmp_path)  # the server restarted
    second.watch(run)
    second.finish(run)
    assert messages(sqlite_store, ERROR_GROUP, run.id) == ["a", "b", "c"]


def test_notes_go_to_the_error_stream(
    sqlite_store: SqlStore, clock: FakeClock, tmp_path: Path
) -> None:
    run = make_run(make_job(), now=clock.now())
    LogCollector(sqlite_store, clock, tmp_path).note(run, "hello")
    assert messages(sqlite_store, ERROR_GROUP, run.id) == ["gluerun: hello"]


def test_big_output_is_read_in_chunks(
    sqlite_store: SqlStore, clock: FakeClock, tmp_path: Path
) -> None:
    run = make_run(make_job(), now=clock.now())
    out = tmp_path / run.id / "stdout.log"
    out.parent.mkdir()
    line = b"y" * 99 + b"\n"
    out.write_bytes(line * 30_000)  # 3 MB: several chunks
    collector = LogCollector(sqlite_store, clock, tmp_path)
    collector.watch(run)
    collector.finish(run)
    stream = sqlite_store.log_stream(OUTPUT_GROUP, run.id)
    assert stream is not None and stream.source_bytes == len(line) * 30_000
    assert len(messages(sqlite_store, OUTPUT_GROUP, run.id)) == 30_000
