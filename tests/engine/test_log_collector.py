"""The log collector against real files: lines, partial lines, restarts, timestamps."""

from __future__ import annotations

from pathlib import Path

import pytest

from gluerun.clock import FakeClock
from gluerun.engine.logs import LogCollector
from gluerun.model.logs import ERROR_GROUP, OUTPUT_GROUP
from gluerun.store import Stores
from gluerun.testing import make_job, make_run


def messages(store: Stores, group: str, run_id: str) -> list[str]:
    return [
        e.message for e in store.logs.read_log_events(group, run_id, limit=100_000, newest=False)
    ]


def test_tails_lines_and_keeps_partial_lines_until_complete(
    sqlite_store: Stores, clock: FakeClock, tmp_path: Path
) -> None:
    run = make_run(make_job(), now=clock.now() + 10)  # started "in the future" of the clock
    out = tmp_path / run.id / "stdout.log"
    out.parent.mkdir()
    collector = LogCollector(sqlite_store.logs, clock, tmp_path)
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
    events = sqlite_store.logs.read_log_events(OUTPUT_GROUP, run.id, limit=10, newest=False)
    assert all(e.timestamp >= int(run.started_on * 1000) for e in events)


def test_a_new_collector_resumes_without_duplicates(
    sqlite_store: Stores, clock: FakeClock, tmp_path: Path
) -> None:
    run = make_run(make_job(), now=clock.now())
    err = tmp_path / run.id / "stderr.log"
    err.parent.mkdir()
    err.write_bytes(b"a\nb\n")
    first = LogCollector(sqlite_store.logs, clock, tmp_path)
    first.watch(run)
    first.collect()
    with err.open("ab") as handle:
        handle.write(b"c\n")
    second = LogCollector(sqlite_store.logs, clock, tmp_path)  # the server restarted
    second.watch(run)
    second.finish(run)
    assert messages(sqlite_store, ERROR_GROUP, run.id) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("version", "stderr_group"), [("4.0", ERROR_GROUP), ("5.0", OUTPUT_GROUP), (None, ERROR_GROUP)]
)
def test_stderr_goes_where_glue_puts_it_for_the_glue_version(
    store: Stores, clock: FakeClock, tmp_path: Path, version: str | None, stderr_group: str
) -> None:
    # Glue 5.0 writes user stdout and stderr to /output; earlier versions stderr to /error.
    run = make_run(make_job(), now=clock.now(), glue_version=version)
    out, err = tmp_path / run.id / "stdout.log", tmp_path / run.id / "stderr.log"
    out.parent.mkdir()
    out.write_bytes(b"o1\n")
    err.write_bytes(b"e1\n")
    first = LogCollector(store.logs, clock, tmp_path)
    first.watch(run)
    first.collect()
    out.write_bytes(b"o1\no2\n")
    err.write_bytes(b"e1\ne2\ne3\n")
    second = LogCollector(store.logs, clock, tmp_path)  # restarted: each file resumes on its own
    second.watch(run)
    second.finish(run)
    seen = messages(store, stderr_group, run.id)
    assert [m for m in seen if m.startswith("e")] == ["e1", "e2", "e3"]
    assert messages(store, OUTPUT_GROUP, run.id)[:1] == ["o1"]
    assert [m for m in messages(store, OUTPUT_GROUP, run.id) if m.startswith("o")] == ["o1", "o2"]
    if stderr_group == OUTPUT_GROUP:
        assert messages(store, ERROR_GROUP, run.id) == []


def test_notes_go_to_the_error_stream(
    sqlite_store: Stores, clock: FakeClock, tmp_path: Path
) -> None:
    run = make_run(make_job(), now=clock.now())
    LogCollector(sqlite_store.logs, clock, tmp_path).note(run, "hello")
    assert messages(sqlite_store, ERROR_GROUP, run.id) == ["gluerun: hello"]


def test_big_output_is_read_in_chunks(
    sqlite_store: Stores, clock: FakeClock, tmp_path: Path
) -> None:
    run = make_run(make_job(), now=clock.now())
    out = tmp_path / run.id / "stdout.log"
    out.parent.mkdir()
    line = b"y" * 99 + b"\n"
    out.write_bytes(line * 30_000)  # 3 MB: several chunks
    collector = LogCollector(sqlite_store.logs, clock, tmp_path)
    collector.watch(run)
    collector.finish(run)
    stream = sqlite_store.logs.log_stream(OUTPUT_GROUP, run.id)
    assert stream is not None and stream.source_bytes == len(line) * 30_000
    assert len(messages(sqlite_store, OUTPUT_GROUP, run.id)) == 30_000
