"""SqlStore: the Store on SQLAlchemy Core, for SQLite (default) and PostgreSQL.

SQLite: WAL, one writer at a time (a lock plus BEGIN IMMEDIATE, so several processes on one
file also serialise), readers in parallel. PostgreSQL: per-job row locks for admission and
SKIP LOCKED claims, so several nodes can share one database.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.pool import StaticPool

from gluerun.errors import AlreadyExists, ConcurrentRunsExceeded, EntityNotFound, StoreError
from gluerun.model import policies
from gluerun.model.jobs import Job
from gluerun.model.runs import ACTIVE, SLOT_HOLDING, JobRun, RunState
from gluerun.model.starts import RunRequest, error_run
from gluerun.model.triggers import Start
from gluerun.store import codec
from gluerun.store._run_rows import (
    _ADMISSIBLE_JOBS,
    _ANY_ADMISSIBLE,
    _ANY_UNCLAIMED,
    _GET_JOB,
    _GET_RUN,
    _JOB_SLOTS,
    _JOB_SLOTS_FOR_UPDATE,
    _LIST_RUNS,
    _MAX_SEQ,
    _NODE_RUNS,
    _OWNED,
    _RUN_STATE,
    _admit_job,
    _count_move,
    _insert_run,
    _job_row,
    _put_tags,
    _runs_where,
    _stop,
    _swap_run,
    _write_run,
)
from gluerun.store.base import Fence, RunPage, StopOutcome
from gluerun.store.fastread import FastReader
from gluerun.store.migrate import upgrade
from gluerun.store.sql_bookmarks import BookmarkStore
from gluerun.store.sql_catalog import SqlCatalogStore
from gluerun.store.sql_events import EventStore, record_state_change
from gluerun.store.sql_logs import LogStore
from gluerun.store.sql_nodes import NodeStore, fence_clause
from gluerun.store.sql_retention import RetentionStore
from gluerun.store.sql_triggers import TriggerStore, admission_refused
from gluerun.store.tables import job_bookmarks, jobs, metadata, runs
from gluerun.store.tables import tags as tag_rows

_ACTIVE = [s.value for s in ACTIVE]
_SLOT = [s.value for s in SLOT_HOLDING]


def normalize_url(url: str) -> str:
    """Let users write postgresql:// and get the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def mask_url(url: str) -> str:
    """`url` with its password, if any, shown as ***: fit for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<a database URL that is not valid>"


def _sqlite_engine(url: str) -> Engine:
    memory = url in {"sqlite://", "sqlite:///:memory:"}
    if not memory:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        poolclass=StaticPool if memory else None,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # The driver must not open transactions itself: we issue BEGIN (IMMEDIATE) below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("gluerun_read"):
            return  # one statement, its own snapshot: no transaction to pay for
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("gluerun_write") else "BEGIN")

    return engine


class SqlStore(TriggerStore, LogStore, EventStore, BookmarkStore, RetentionStore, NodeStore):
    """The Store on SQLAlchemy Core (see base.Store for the contract of each method)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._fast = FastReader(engine)
        self._get_job = self._fast.prepare(_GET_JOB)
        self._get_run = self._fast.prepare(_GET_RUN)
        self._list_runs = self._fast.prepare(_LIST_RUNS)
        self._any_unclaimed = self._fast.prepare(_ANY_UNCLAIMED)
        self._any_admissible = self._fast.prepare(_ANY_ADMISSIBLE)
        self._node_runs = self._fast.prepare(_NODE_RUNS)
        self._sqlite = engine.dialect.name == "sqlite"
        self._write_lock = threading.Lock() if self._sqlite else None
        self._changed = threading.Event()

    @classmethod
    def open(cls, url: str) -> SqlStore:
        url = normalize_url(url)
        try:
            if url.startswith("sqlite"):
                engine = _sqlite_engine(url)
            else:
                engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
            upgrade(engine)
        except DBAPIError as exc:
            raise StoreError(f"cannot open store {mask_url(url)}: {exc.orig}") from exc
        return cls(engine)

    @property
    def inline_reads(self) -> bool:
        """Reads are local and take microseconds (SQLite): callers may skip a thread hop."""
        return self._sqlite

    @property
    def engine(self) -> Engine:
        return self._engine

    def catalog(self) -> SqlCatalogStore:
        """The Data Catalog's store on the same database (its own narrow interface)."""
        return SqlCatalogStore(self._read, self._write)

    def reset(self) -> None:
        with self._write() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
        self.notify()

    def close(self) -> None:
        self._engine.dispose()

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection for reads; on SQLite each statement reads its own snapshot."""
        try:
            with self._engine.connect() as conn:
                conn.execution_options(gluerun_read=True)
                yield conn
        except DBAPIError as exc:
            raise StoreError(str(exc.orig)) from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        lock = self._write_lock or nullcontext()
        try:
            with lock, self._engine.connect() as conn:
                conn.execution_options(gluerun_write=True)
                with conn.begin():
                    yield conn
        except IntegrityError as exc:
            raise AlreadyExists() from exc
        except DBAPIError as exc:
            raise StoreError(str(exc.orig)) from exc

    def _lock_job(self, conn: Connection, job_id: str) -> Mapping[str, Any] | None:
        query = _JOB_SLOTS if self._sqlite else _JOB_SLOTS_FOR_UPDATE
        row = conn.execute(query, {"job_id": job_id}).first()
        return dict(row._mapping) if row else None

    # -- jobs ---------------------------------------------------------------------------
    def create_job(self, job: Job, tags: Mapping[str, str]) -> None:
        try:
            with self._write() as conn:
                conn.execute(jobs.insert().values(**_job_row(job)))
                _put_tags(conn, "job", job.name, tags)
        except AlreadyExists:
            raise AlreadyExists(f"Job with name {job.name} already exists.") from None

    def get_job(self, name: str) -> Job | None:
        rows = self._fast.rows(self._get_job, {"name": name})
        return codec.load_job(rows[0][0]) if rows else None

    def list_jobs(
        self, after: str | None, limit: int, tags: Mapping[str, str] | None = None
    ) -> list[Job]:
        query = select(jobs.c.doc).order_by(jobs.c.name).limit(limit)
        if after is not None:
            query = query.where(jobs.c.name > after)
        for key, value in (tags or {}).items():
            query = query.where(
                select(tag_rows.c.key)
                .where(tag_rows.c.kind == "job", tag_rows.c.name == jobs.c.name)
                .where(tag_rows.c.key == key, tag_rows.c.value == value)
                .exists()
            )
        with self._read() as conn:
            return [codec.load_job(doc) for doc in conn.execute(query).scalars()]

    def replace_job(self, job: Job) -> None:
        with self._write() as conn:
            result = conn.execute(
                update(jobs).where(jobs.c.name == job.name).values(**_job_row(job))
            )
            if result.rowcount != 1:
                raise EntityNotFound(f"Job with name: {job.name} not found.")
        self.notify()

    def delete_job(self, name: str, now: float) -> bool:
        with self._write() as conn:
            job_id = conn.execute(select(jobs.c.job_id).where(jobs.c.name == name)).scalar()
            if job_id is None:
                return False
            conn.execute(delete(jobs).where(jobs.c.name == name))
            conn.execute(delete(job_bookmarks).where(job_bookmarks.c.job_name == name))
            conn.execute(delete(tag_rows).where(tag_rows.c.kind == "job", tag_rows.c.name == name))
            for run in _runs_where(conn, runs.c.job_id == job_id, runs.c.state.in_(_ACTIVE)):
                _stop(conn, run, now, "Job deleted while the run was active.")
        self.notify()
        return True

    def job_names(self) -> set[str]:
        with self._read() as conn:
            return set(conn.execute(select(jobs.c.name)).scalars())

    def job_exists(self, job_id: str) -> bool:
        with self._read() as conn:
            return (
                conn.execute(select(jobs.c.name).where(jobs.c.job_id == job_id)).first() is not None
            )

    # -- tags ---------------------------------------------------------------------------
    def get_tags(self, kind: str, name: str) -> dict[str, str]:
        query = select(tag_rows.c.key, tag_rows.c.value).where(
            tag_rows.c.kind == kind, tag_rows.c.name == name
        )
        with self._read() as conn:
            return {key: value for key, value in conn.execute(query)}

    def tag_resource(self, kind: str, name: str, tags: Mapping[str, str]) -> None:
        with self._write() as conn:
            _put_tags(conn, kind, name, tags)

    def untag_resource(self, kind: str, name: str, keys: Collection[str]) -> None:
        with self._write() as conn:
            conn.execute(
                delete(tag_rows).where(
                    tag_rows.c.kind == kind, tag_rows.c.name == name, tag_rows.c.key.in_(keys)
                )
            )

    # -- runs: API side -----------------------------------------------------------------
    def start_run(self, run: JobRun, limit: int, queuing: bool) -> JobRun:
        with self._write() as conn:
            run = self._admit_in(conn, Start(run, limit, queuing), strict=True)
        self.notify()
        return run

    def _admit_in(self, conn: Connection, start: Start, strict: bool) -> JobRun:
        """Admit one new run against its job's others and insert it, in `conn`'s transaction.

        strict (StartJobRun): a missing job or a full job raises. Otherwise (triggers): the
        run is inserted ERROR or FAILED instead, as Glue records them.
        """
        run = start.run
        job = None if run.state is RunState.ERROR else self._lock_job(conn, run.launch.job_id)
        if run.state is not RunState.ERROR and job is None:
            if strict:
                raise EntityNotFound(f"Job with name: {run.job_name} not found.")
            run = error_run(
                run.job_name,
                RunRequest(trigger_name=run.trigger_name),
                run.started_on,
                "The job no longer exists.",
            )
        if run.state is RunState.ERROR:
            _insert_run(conn, run)
            return run
        counts = job or {"slot_runs": 0, "waiting_runs": 0}
        active, waiting = counts["slot_runs"], counts["waiting_runs"]
        decision = policies.admit(active, waiting, start.limit, start.queuing)
        if decision is policies.Admission.REJECT:
            if strict:
                raise ConcurrentRunsExceeded(f"Concurrent runs exceeded for {run.job_name}")
            run = admission_refused(run, run.started_on)
        elif decision is policies.Admission.QUEUE:
            run = dataclasses.replace(
                run,
                state=RunState.WAITING,
                admitted_on=None,
                state_detail="Waiting for a concurrency slot: MaxConcurrentRuns reached.",
            )
        _insert_run(conn, run)
        return run

    def get_run(self, job_id: str, run_id: str) -> JobRun | None:
        rows = self._fast.rows(self._get_run, {"run_id": run_id, "job_id": job_id})
        return codec.load_run(rows[0][0]) if rows else None

    def list_runs(self, job_id: str, cursor: int | None, limit: int) -> RunPage:
        values = {"job_id": job_id, "cursor": _MAX_SEQ if cursor is None else cursor}
        rows = self._fast.rows(self._list_runs, {**values, "limit": limit + 1})
        nxt = rows[limit][0] if len(rows) > limit else None
        return RunPage([codec.load_run(doc) for _, doc in rows[:limit]], nxt)

    def request_stop(self, job_id: str, run_id: str, now: float) -> str:
        with self._write() as conn:
            # Locked on PostgreSQL: a claim committing in between must not be overwritten.
            found = _runs_where(
                conn, runs.c.id == run_id, runs.c.job_id == job_id, lock=not self._sqlite
            )
            if not found:
                return StopOutcome.NOT_FOUND
            run = found[0]
            if run.state.terminal:
                return StopOutcome.FINISHED
            if run.state is RunState.STOPPING:
                return StopOutcome.ACCEPTED
            outcome = _stop(conn, run, now, None)
        self.notify()
        return outcome

    # -- runs: engine side --------------------------------------------------------------
    def insert_run(self, run: JobRun) -> None:
        with self._write() as conn:
            _insert_run(conn, run)
        self.notify()

    def claim_runs(self, node_id: str, limit: int, fence: Fence | None = None) -> list[JobRun]:
        # A cheap read first: most engine passes find nothing to claim, and a write
        # transaction would queue behind (and hold up) StartJobRun.
        if limit <= 0 or not self._fast.rows(self._any_unclaimed, {}):
            return []
        with self._write() as conn:
            if fence is not None and not self.fence_holds(conn, fence):
                return []
            query = (
                select(runs.c.doc)
                .where(runs.c.state == RunState.STARTING.value, runs.c.node_id.is_(None))
                .order_by(runs.c.seq)
                .limit(limit)
            )
            if not self._sqlite:
                query = query.with_for_update(skip_locked=True)
            claimed = [
                dataclasses.replace(codec.load_run(doc), node_id=node_id)
                for doc in conn.execute(query).scalars()
            ]
            for run in claimed:
                _write_run(conn, run, RunState.STARTING)
        return claimed

    def admit_waiting(self, now: float) -> list[JobRun]:
        # From the per-job counters, not the runs: a pass with no free slot costs one cheap
        # read however many runs wait, and one with free slots reads only the runs it admits.
        admitted: list[JobRun] = []
        if not self._fast.rows(self._any_admissible, {}):
            return admitted
        with self._write() as conn:
            for job_id in list(conn.execute(_ADMISSIBLE_JOBS).scalars()):
                admitted.extend(_admit_job(conn, self._lock_job(conn, job_id), job_id, now))
        if admitted:
            self.notify()
        return admitted

    def update_run(
        self, run: JobRun, expected: Collection[RunState], fence: Fence | None = None
    ) -> bool:
        guard = None if fence is None else fence_clause(fence, lock=not self._sqlite)
        with self._write() as conn:
            current = conn.execute(_RUN_STATE, {"run_id": run.id}).scalar()
            old = RunState(current) if current is not None else None
            changed = old in expected and _swap_run(conn, run, old, guard)
            if changed:
                record_state_change(conn, run)
                _count_move(conn, run.launch.job_id, old, run.state)
        if changed:
            self.notify()
        return changed

    def node_runs(self, node_id: str | None, states: Collection[RunState]) -> list[JobRun]:
        if node_id is not None and frozenset(states) == _OWNED:
            rows = self._fast.rows(self._node_runs, {"node_id": node_id})
            return [codec.load_run(doc) for (doc,) in rows]
        cond: list[Any] = [runs.c.state.in_([s.value for s in states])]
        if node_id is not None:
            cond.append(runs.c.node_id == node_id)
        with self._read() as conn:
            return _runs_where(conn, *cond)

    # -- change notification ------------------------------------------------------------
    def wait_for_change(self, timeout: float) -> bool:
        fired = self._changed.wait(timeout)
        self._changed.clear()
        return fired

    def notify(self) -> None:
        self._changed.set()
