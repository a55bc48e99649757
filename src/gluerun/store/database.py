"""Database: the one owner of the SQLAlchemy engine that every store family shares.

It opens (and migrates) the database, hands out read and write transactions, runs the hot
prepared reads (fastread.py), translates every driver error into the errors tree (the prepared
reads too), and wakes `wait_for_change` waiters after writes the engine must react to.

SQLite: WAL, every write on one writer thread (writer.py: writes queued meanwhile commit
together; BEGIN IMMEDIATE still serialises several processes on one file), readers in parallel.
PostgreSQL: a connection pool; the families take row locks where they need them (`row_locks`).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import Select

from gluerun.errors import AlreadyExists, StoreError
from gluerun.store.fastread import FastReader, Prepared
from gluerun.store.migrate import upgrade
from gluerun.store.tables import metadata
from gluerun.store.writer import Writer

T = TypeVar("T")


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


def row_locks(conn: Connection) -> bool:
    """Whether statements in `conn` take row locks (PostgreSQL). SQLite needs none: its
    write transactions are serialised whole (BEGIN IMMEDIATE)."""
    return conn.dialect.name != "sqlite"


class Database:
    """The engine, its transactions, prepared reads, and change notification."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._fast = FastReader(engine)
        self._sqlite = engine.dialect.name == "sqlite"
        #: SQLite's writes all go through one thread; PostgreSQL's through the pool
        self._writer = Writer(engine) if self._sqlite else None
        self._changed = threading.Event()
        dbapi = engine.dialect.dbapi
        #: what the prepared reads' raw DBAPI cursors raise (sqlite3 is used directly on files)
        self._driver_errors: tuple[type[BaseException], ...] = (
            sqlite3.Error,
            DBAPIError,
            *([dbapi.Error] if dbapi is not None else []),
        )
        #: the integrity errors among them, unique-key violations among those (hot writes
        #: run on raw cursors too)
        self._integrity_errors: tuple[type[BaseException], ...] = (
            sqlite3.IntegrityError,
            IntegrityError,
            *([dbapi.IntegrityError] if dbapi is not None else []),
        )

    @classmethod
    def open(cls, url: str) -> Database:
        """Open the database at SQLAlchemy `url` (sqlite:///... or postgresql://...) and
        migrate it to the current schema. Raises StoreError if that fails."""
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
    def engine(self) -> Engine:
        return self._engine

    @property
    def inline_reads(self) -> bool:
        """Reads are local and take microseconds (SQLite): callers may skip a thread hop."""
        return self._sqlite

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads; on SQLite each statement reads its own snapshot."""
        try:
            with self._engine.connect() as conn:
                conn.execution_options(gluerun_read=True)
                yield conn
        except DBAPIError as exc:
            raise StoreError(str(exc.orig)) from exc

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """The write transaction: every write of every family enters here.

        Committed when the block ends; a unique-key violation raises AlreadyExists, any other
        driver error StoreError (both with the driver's error as cause). On SQLite the block
        runs on the caller's thread in a savepoint of the writer's transaction.
        """
        with self._translated():
            if self._writer is not None:
                with self._writer.transaction() as conn:
                    yield conn
                return
            with self._engine.connect() as conn:
                conn.execution_options(gluerun_write=True)
                with conn.begin():
                    yield conn

    def write_work(self, work: Callable[[Connection], T]) -> T:
        """`work(conn)` in the write transaction, as `write` does; on SQLite the writer's
        thread runs it, which saves lending it the connection: for the hottest write
        (StartJobRun), which many callers make at once and the writer commits together."""
        if self._writer is None:
            with self.write() as conn:
                return work(conn)
        with self._translated():
            return self._writer.run(work)

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Driver errors of a write as the store's own: SQLAlchemy's, and the driver's own
        from the statements run on its cursors (fastread.InTransaction)."""
        try:
            yield
        except self._driver_errors as exc:
            if isinstance(exc, self._integrity_errors) and _duplicate_key(exc):
                raise AlreadyExists() from exc
            raise StoreError(str(getattr(exc, "orig", None) or exc)) from exc

    def write_later(self, work: Callable[[Connection], T]) -> Future[T]:
        """`write_work` without waiting: the Future holds its result, or its error translated
        as `write_work` raises it. On SQLite the writer's thread settles it, so the event loop
        can await it (asyncio.wrap_future) instead of lending a worker thread to block on it.
        Elsewhere the work runs now, on the calling thread, and the Future is already done."""
        done: Future[T] = Future()
        if self._writer is None:
            _settle(done, lambda: self.write_work(work))
            return done

        def translate(written: Future[T]) -> None:
            _settle(done, lambda: self._result_of(written))

        self._writer.submit(work).add_done_callback(translate)
        return done

    def _result_of(self, written: Future[T]) -> T:
        with self._translated():
            return written.result()

    # -- prepared reads ------------------------------------------------------------------
    def prepare(self, statement: Select[Any]) -> Prepared:
        """Compile `statement` once for this database, for `rows`."""
        return self._fast.prepare(statement)

    def rows(self, prepared: Prepared, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run a prepared read on a plain DBAPI cursor; driver errors become StoreError."""
        try:
            return self._fast.rows(prepared, values)
        except self._driver_errors as exc:
            raise StoreError(str(getattr(exc, "orig", None) or exc)) from exc

    # -- change notification --------------------------------------------------------------
    def wait_for_change(self, timeout: float) -> bool:
        """Block until `notify` is called here or `timeout` seconds pass; True if it was."""
        fired = self._changed.wait(timeout)
        self._changed.clear()
        return fired

    def notify(self) -> None:
        """Wake `wait_for_change` waiters (after a write the engine must react to)."""
        self._changed.set()

    # -- lifecycle -------------------------------------------------------------------------
    def reset(self) -> None:
        """Delete every row of every table: the test-suite reset. Callers stop runs first."""
        with self.write() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
        self.notify()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._engine.dispose()


#: SQLite's extended result codes for a row refused by a unique or primary key
_SQLITE_DUPLICATE = frozenset(
    {sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}
)
#: PostgreSQL's SQLSTATE unique_violation
_PG_DUPLICATE = "23505"


def _duplicate_key(exc: BaseException) -> bool:
    """Whether integrity error `exc` (SQLAlchemy's or the driver's) is a unique key refusing a
    row: only that means AlreadyExists. A NOT NULL or a trigger's RAISE is the store failing,
    which a client must not be told is its own mistake."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code in _SQLITE_DUPLICATE
    return getattr(orig, "sqlstate", None) == _PG_DUPLICATE


def _settle(done: Future[T], outcome: Callable[[], T]) -> None:
    """Give `done` what `outcome()` returns, or what it raises."""
    try:
        done.set_result(outcome())
    except BaseException as exc:  # the awaiting caller gets it
        done.set_exception(exc)


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
