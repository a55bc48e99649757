"""The database failing under StartJobRun's awaited write (SQLite, through the writer thread).

The failures are real driver errors: a trigger the test adds to the runs table makes SQLite
itself fail the insert (integer overflow, an OperationalError), for every run or for one id.
"""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import Future

import pytest
from sqlalchemy import event

from gluerun.errors import AlreadyExists, StoreError
from gluerun.model.jobs import Job
from gluerun.model.runs import JobRun, RunState
from gluerun.store import Stores
from gluerun.testing import make_job, make_run

#: Bounds a wait that would otherwise hang the suite if the writer stopped answering; a
#: guard, not a timing assertion (each of these writes takes milliseconds).
NO_HANG = 30.0


#: what the trigger runs: SQLite fails the statement with an OperationalError
OVERFLOW = "SELECT abs(-9223372036854775807 - 1)"


def fail_inserts(store: Stores, run_id: str | None = None, action: str = OVERFLOW) -> None:
    """Make SQLite fail the insert of run `run_id` (of every run if None). The start has
    written before it (its state change, its job's run count): writes of its own to undo."""
    when = "" if run_id is None else f"WHEN NEW.id = '{run_id}'"
    with store.db.write() as conn:
        conn.exec_driver_sql(
            f"CREATE TRIGGER fail_runs AFTER INSERT ON runs {when} BEGIN {action}; END"
        )


def a_job(store: Stores) -> Job:
    job = make_job("j")
    store.runs.create_job(job, {})
    return job


def start(store: Stores, run: JobRun, limit: int = 100) -> Future[JobRun]:
    """StartJobRun's awaited write, with MaxConcurrentRuns `limit`."""
    return store.runs.start_run_later(run, limit, False)


class HeldWrite:
    """Another thread's write transaction, held open until release(): what is queued
    meanwhile joins one batch of the writer."""

    def __init__(self, store: Stores) -> None:
        self.inside = threading.Event()
        self._release = threading.Event()
        self.error: StoreError | None = None
        # A daemon, so that a writer which never answers fails the test rather than hangs it.
        self._thread = threading.Thread(target=self._hold, args=(store,), daemon=True)
        self._thread.start()
        self.inside.wait()

    def _hold(self, store: Stores) -> None:
        try:
            with store.db.write():
                self.inside.set()
                self._release.wait()
        except StoreError as exc:  # its batch failed to commit
            self.error = exc

    def release(self) -> None:
        self._release.set()
        self._thread.join(NO_HANG)
        assert not self._thread.is_alive(), "the writer never finished the held write"


def test_a_driver_error_of_an_awaited_start_is_a_store_error(sqlite_store: Stores) -> None:
    run = make_run(a_job(sqlite_store))
    fail_inserts(sqlite_store)
    with pytest.raises(StoreError, match="integer overflow") as raised:
        start(sqlite_store, run).result(NO_HANG)
    assert not isinstance(raised.value, AlreadyExists)
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
    assert sqlite_store.runs.get_run(run.launch.job_id, run.id) is None


def test_a_constraint_failing_an_awaited_start_is_a_store_error(sqlite_store: Stores) -> None:
    """An IntegrityError that is no duplicate key (here a trigger's RAISE) is the store
    failing, not AlreadyExists: that is a client's 400, and nothing would be logged."""
    run = make_run(a_job(sqlite_store))
    fail_inserts(sqlite_store, action="SELECT RAISE(ABORT, 'refused by a trigger')")
    with pytest.raises(StoreError, match="refused by a trigger") as raised:
        start(sqlite_store, run).result(NO_HANG)
    assert not isinstance(raised.value, AlreadyExists)
    assert isinstance(raised.value.__cause__, sqlite3.IntegrityError)


def test_a_duplicate_run_id_is_already_exists(sqlite_store: Stores) -> None:
    run = make_run(a_job(sqlite_store))
    start(sqlite_store, run).result(NO_HANG)
    with pytest.raises(AlreadyExists) as raised:
        start(sqlite_store, run).result(NO_HANG)
    assert isinstance(raised.value.__cause__, sqlite3.IntegrityError)


def test_the_writer_serves_later_starts_after_a_failed_one(sqlite_store: Stores) -> None:
    job = a_job(sqlite_store)
    bad = make_run(job)
    fail_inserts(sqlite_store, bad.id)
    with pytest.raises(StoreError):
        start(sqlite_store, bad).result(NO_HANG)
    later = start(sqlite_store, make_run(job)).result(NO_HANG)
    assert later.state is RunState.STARTING
    assert sqlite_store.runs.get_run(job.job_id, later.id) == later


def test_a_failing_start_in_a_batch_undoes_only_its_own_run(sqlite_store: Stores) -> None:
    job = a_job(sqlite_store)
    runs = [make_run(job) for _ in range(4)]
    bad = runs[1]
    fail_inserts(sqlite_store, bad.id)
    commits: list[int] = []
    event.listen(sqlite_store.db.engine, "commit", lambda _conn: commits.append(1))
    held = HeldWrite(sqlite_store)
    # MaxConcurrentRuns 3 fits the three good starts only if the bad one's count is undone.
    futures = [start(sqlite_store, run, limit=3) for run in runs]
    held.release()
    with pytest.raises(StoreError, match="integer overflow"):
        futures[1].result(NO_HANG)
    good = [f.result(NO_HANG) for i, f in enumerate(futures) if i != 1]
    assert [run.id for run in good] == [run.id for i, run in enumerate(runs) if i != 1]
    assert len(commits) == 1  # one batch: the held write and the four starts
    stored = sqlite_store.runs.list_runs(job.job_id, None, 10).runs
    assert sorted(run.id for run in stored) == sorted(run.id for run in good)
    # The next batch is served too.
    after = start(sqlite_store, make_run(job)).result(NO_HANG)
    assert sqlite_store.runs.get_run(job.job_id, after.id) == after


def test_a_start_rolling_back_the_whole_batch_fails_every_start_of_it(
    sqlite_store: Stores,
) -> None:
    """A failure SQLite answers by rolling back the whole transaction (a trigger's
    RAISE(ROLLBACK); a full disk, an I/O error) leaves no savepoint to return to: every start
    of the batch is told it failed, none hangs, and the writer serves the next one."""
    job = a_job(sqlite_store)
    runs = [make_run(job) for _ in range(3)]
    fail_inserts(sqlite_store, runs[1].id, action="SELECT RAISE(ROLLBACK, 'all of it')")
    held = HeldWrite(sqlite_store)
    futures = [start(sqlite_store, run) for run in runs]
    held.release()
    for future in futures[:2]:
        with pytest.raises(StoreError):
            future.result(NO_HANG)
    assert held.error is not None  # its write was rolled back with the others
    # Not yet taken into the batch when it failed: the next batch writes it.
    assert futures[2].result(NO_HANG).id == runs[2].id
    stored = sqlite_store.runs.list_runs(job.job_id, None, 10).runs
    assert [run.id for run in stored] == [runs[2].id]
