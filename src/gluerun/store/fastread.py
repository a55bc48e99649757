"""Hot reads without SQLAlchemy's per-statement machinery.

A GetJobRun is two indexed lookups that SQLite answers in microseconds, while building,
caching and executing them through SQLAlchemy Core costs a hundred times that. The statements
are still written once in SQLAlchemy (so they follow the tables) and compiled once per dialect;
here they run on plain DBAPI cursors: one connection per thread for SQLite files, pooled
connections elsewhere. `InTransaction` does the same for the hot writes (StartJobRun's),
on the driver connection of the transaction they belong to.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Connection, Dialect, Engine
from sqlalchemy.sql import ClauseElement, Select
from sqlalchemy.sql.compiler import SQLCompiler


class Prepared:
    """A statement compiled for one dialect, with its parameters in driver order."""

    def __init__(
        self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None = None
    ) -> None:
        # A dialect compiles a statement with its SQLCompiler (Compiled is the base type).
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=column_keys))
        self.sql = str(compiled)
        given = frozenset(column_keys or ())
        #: values the dialect bound itself (SQLite adds OFFSET 0 to a LIMIT)
        self.defaults = {
            k: v for k, v in compiled.params.items() if v is not None and k not in given
        }
        self.order: Sequence[str] | None = (
            list(compiled.positiontup or []) if compiled.positional else None
        )

    def params(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        merged = {**self.defaults, **values} if self.defaults else values
        if self.order is None:
            return merged
        return tuple([merged[name] for name in self.order])


class FastReader:
    """Runs Prepared statements and returns plain rows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        database = engine.url.database or ""
        self._sqlite_path = (
            database
            if engine.dialect.name == "sqlite" and database not in ("", ":memory:")
            else None
        )
        self._local = threading.local()

    def prepare(self, statement: Select[Any]) -> Prepared:
        return Prepared(statement, self.engine.dialect)

    def rows(self, prepared: Prepared, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        if self._sqlite_path is not None:
            # No context manager on this path: GetJobRun makes two of these reads, and
            # entering and leaving one costs about as much as SQLite's lookup.
            cursor = self._thread_connection().cursor()
            try:
                cursor.execute(prepared.sql, prepared.params(values))
                return cursor.fetchall()
            finally:
                cursor.close()
        with self._pooled_cursor() as cursor:
            cursor.execute(prepared.sql, prepared.params(values))
            return list(cursor.fetchall())

    @contextmanager
    def _pooled_cursor(self) -> Iterator[Any]:
        raw = self.engine.raw_connection()
        try:
            pooled = raw.cursor()
            yield pooled
            pooled.close()
            raw.commit()
        finally:
            raw.close()

    def _thread_connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            assert self._sqlite_path is not None
            connection = sqlite3.connect(self._sqlite_path, isolation_level=None, timeout=30)
            connection.execute("PRAGMA query_only=ON")
            self._local.connection = connection
        return connection


class InTransaction:
    """One statement run on the driver connection of a SQLAlchemy transaction, compiled once
    per dialect. For writes every StartJobRun makes: SQLAlchemy's execute costs several times
    the statement itself. The driver's own errors come out (Database translates them)."""

    def __init__(self, statement: ClauseElement, column_keys: Sequence[str] | None = None) -> None:
        self._statement = statement
        self._column_keys = column_keys
        self._by_dialect: dict[str, Prepared] = {}

    def rows(self, conn: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run it in `conn`'s transaction; the rows it returns, if any."""
        prepared = self._by_dialect.get(conn.dialect.name)
        if prepared is None:
            prepared = Prepared(self._statement, conn.dialect, self._column_keys)
            self._by_dialect[conn.dialect.name] = prepared
        driver = conn.connection.driver_connection
        assert driver is not None  # only a detached connection has none
        cursor = driver.cursor()
        try:
            cursor.execute(prepared.sql, prepared.params(values))
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()
