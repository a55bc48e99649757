"""The SQLite writer: queued writes commit together, and one that fails undoes only itself."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest
from sqlalchemy import Connection, event, select
from sqlalchemy.exc import IntegrityError

from gluerun.errors import GluerunError
from gluerun.model.runs import JobRun
from gluerun.store import Stores, open_store
from gluerun.store.tables import tags
from gluerun.store.writer import Writer
from gluerun.testing import make_job, make_run


@pytest.fixture
def sqlite_store(sqlite_template: Path, tmp_path: Path) -> Iterator[Stores]:
    shutil.copy(sqlite_template, tmp_path / "gluerun.db")
    store = open_store(f"sqlite:///{tmp_path / 'gluerun.db'}")
    yield store
    store.close()


def tag(key: str) -> Callable[[Connection], str]:
    def insert(conn: Connection) -> str:
        conn.execute(tags.insert().values(kind="job", name="j", key=key, value="v"))
        return key

    return insert


def commits(store: Stores) -> list[int]:
    seen: list[int] = []
    event.listen(store.db.engine, "commit", lambda _conn: seen.append(1))
    return seen


class HeldWriter:
    """A `with` block of another thread holding the writer's transaction open until release()."""

    def __init__(self, writer: Writer, key: str = "holder", fail: bool = False) -> None:
        self.inside = threading.Event()
        self._release = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._hold, args=(writer, key, fail))
        self._thread.start()
        self.inside.wait()

    def _hold(self, writer: Writer, key: str, fail: bool) -> None:
        try:
            with writer.transaction() as conn:
                tag(key)(conn)
                self.inside.set()
                self._release.wait()
                if fail:
                    raise ValueError("the holder's own error")
        except ValueError as exc:
            self.error = exc

    def release(self) -> None:
        self._release.set()
        self._thread.join()


def test_writes_queued_meanwhile_commit_in_one_transaction(sqlite_store: Stores) -> None:
    writer = Writer(sqlite_store.db.engine)
    seen = commits(sqlite_store)
    held = HeldWriter(writer)
    futures = [writer.submit(tag(f"k{i}")) for i in range(5)]
    held.release()
    assert [f.result() for f in futures] == [f"k{i}" for i in range(5)]
    assert len(seen) == 1
    assert set(sqlite_store.runs.get_tags("job", "j")) == {"holder", *(f"k{i}" for i in range(5))}
    writer.close()


def test_a_failing_write_undoes_only_its_own(sqlite_store: Stores) -> None:
    writer = Writer(sqlite_store.db.engine)
    held = HeldWriter(writer)

    def half_then_duplicate(conn: Connection) -> None:
        tag("half")(conn)
        tag("k0")(conn)  # already written by the write before it: the primary key refuses

    futures: list[Future[object]] = [
        writer.submit(tag("k0")),
        writer.submit(half_then_duplicate),
        writer.submit(tag("k1")),
    ]
    held.release()
    assert futures[0].result() == "k0" and futures[2].result() == "k1"
    with pytest.raises(IntegrityError):
        futures[1].result()
    assert set(sqlite_store.runs.get_tags("job", "j")) == {"holder", "k0", "k1"}
    writer.close()


def test_a_failing_with_block_is_undone_and_raised_to_its_thread(sqlite_store: Stores) -> None:
    writer = Writer(sqlite_store.db.engine)
    held = HeldWriter(writer, key="holder", fail=True)
    after = writer.submit(tag("after"))
    held.release()
    assert isinstance(held.error, ValueError)
    assert after.result() == "after"
    assert set(sqlite_store.runs.get_tags("job", "j")) == {"after"}
    writer.close()


def test_a_write_from_inside_a_write_is_refused(sqlite_store: Stores) -> None:
    writer = Writer(sqlite_store.db.engine)

    def nested(conn: Connection) -> None:
        writer.run(tag("inner"))

    with pytest.raises(RuntimeError, match="inside another"):
        writer.run(nested)
    assert writer.run(lambda conn: conn.execute(select(tags.c.key)).all()) == []
    writer.close()


def test_the_store_writes_through_its_writer(sqlite_store: Stores) -> None:
    seen = commits(sqlite_store)
    sqlite_store.runs.tag_resource("job", "j", {"a": "1"})
    assert sqlite_store.runs.get_tags("job", "j") == {"a": "1"}
    assert len(seen) == 1
    assert [t.name for t in threading.enumerate()].count("gluerun-writer") >= 1


def test_concurrent_starts_each_get_their_own_outcome(sqlite_store: Stores) -> None:
    job = make_job("j")
    sqlite_store.runs.create_job(job, {})
    starts = [make_run(job), make_run(make_job("gone")), make_run(job), make_run(job)]
    outcomes: dict[str, str] = {}

    def start(run: JobRun) -> None:
        try:
            outcomes[run.id] = sqlite_store.runs.start_run(run, 2, False).state.value
        except GluerunError as exc:
            outcomes[run.id] = type(exc).__name__

    threads = [threading.Thread(target=start, args=(run,)) for run in starts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes[starts[1].id] == "JobNotFound"
    # MaxConcurrentRuns 2: one of the three starts of the job is refused, whatever the order.
    mine = sorted(outcomes[run.id] for run in starts if run is not starts[1])
    assert mine == ["ConcurrentRunsExceeded", "STARTING", "STARTING"]
    stored = sqlite_store.runs.list_runs(job.job_id, None, 10).runs
    assert sorted(run.id for run in stored) == sorted(
        run.id for run in starts if outcomes[run.id] == "STARTING"
    )
