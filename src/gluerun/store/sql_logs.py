"""SqlLogs: log events in streams (the LogStore role), read back as CloudWatch does."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, select, update

from gluerun.model.logs import LogEvent, LogGroup, LogStream
from gluerun.store.base import Fence
from gluerun.store.database import Database
from gluerun.store.sql_nodes import fence_holds
from gluerun.store.tables import log_events, log_streams


class SqlLogs:
    """The LogStore (see roles.LogStore for the contract of each method)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def append_log_events(
        self,
        group: str,
        stream: str,
        events: Sequence[tuple[int, str]],
        now_ms: int,
        source_bytes: int | None = None,
        offset_group: str | None = None,
        fence: Fence | None = None,
    ) -> bool:
        """Append (timestamp ms, message) events, creating the stream on its first event.

        `source_bytes` records how much of the run's log file these events cover, in the same
        transaction, so a restarted collector resumes exactly where this one stopped. With
        `offset_group`, that count is kept on the stream of the same name in that group (a
        second file feeding the same stream needs an offset of its own). With `fence`, the
        node's epoch is checked in the same transaction: a node presumed dead adds nothing.
        """
        stamps, messages = zip(*events, strict=True) if events else ((), ())
        return self._append(
            group, stream, stamps, messages, now_ms, source_bytes, offset_group, fence
        )

    def append_log_lines(
        self,
        group: str,
        stream: str,
        timestamp: int,
        messages: Sequence[str],
        now_ms: int,
        source_bytes: int | None = None,
        offset_group: str | None = None,
        fence: Fence | None = None,
    ) -> bool:
        """append_log_events of `messages` all stamped `timestamp`, without a tuple per event."""
        stamps = [timestamp] * len(messages)
        return self._append(
            group, stream, stamps, messages, now_ms, source_bytes, offset_group, fence
        )

    def _append(
        self,
        group: str,
        stream: str,
        stamps: Sequence[int],
        messages: Sequence[str],
        now_ms: int,
        source_bytes: int | None,
        offset_group: str | None,
        fence: Fence | None,
    ) -> bool:
        if not messages and source_bytes is None:
            return True
        offsets_here = offset_group is None or offset_group == group
        # Prepared before the write transaction, which holds up every other writer meanwhile.
        rows = zip(repeat(group), repeat(stream), stamps, repeat(now_ms), messages)
        batch = _Batch.of(stamps, messages)
        with self._db.write() as conn:
            if fence is not None and not fence_holds(conn, fence):
                return False
            current = _ensure_stream(conn, group, stream, now_ms)
            if not offsets_here and source_bytes is not None:
                assert offset_group is not None
                _ensure_stream(conn, offset_group, stream, now_ms)
                conn.execute(_stream_update(offset_group, stream, None, now_ms, None, source_bytes))
                source_bytes = None
            if not messages and source_bytes is None:
                return True
            if messages:
                _insert_events(conn, rows)
            conn.execute(_stream_update(group, stream, batch, now_ms, current, source_bytes))
        return True

    def log_stream(self, group: str, stream: str) -> LogStream | None:
        with self._db.read() as conn:
            return _stream_row(conn, group, stream)

    def log_groups(self, prefix: str | None, after: str | None, limit: int) -> list[LogGroup]:
        query = (
            select(
                log_streams.c.group_name,
                func.min(log_streams.c.creation_time),
                func.sum(log_streams.c.stored_bytes),
            )
            .group_by(log_streams.c.group_name)
            .order_by(log_streams.c.group_name)
            .limit(limit)
        )
        if prefix:
            query = query.where(log_streams.c.group_name.startswith(prefix, autoescape=True))
        if after is not None:
            query = query.where(log_streams.c.group_name > after)
        with self._db.read() as conn:
            return [
                LogGroup(name, int(created), int(size or 0))
                for name, created, size in conn.execute(query)
            ]

    def log_streams(
        self,
        group: str,
        prefix: str | None,
        by_last_event: bool,
        descending: bool,
        offset: int,
        limit: int,
    ) -> list[LogStream]:
        """A group's streams, by name or by last event time, from `offset`."""
        key = log_streams.c.last_event if by_last_event else log_streams.c.stream_name
        order = [key.desc() if descending else key.asc(), log_streams.c.stream_name]
        query = select(log_streams).where(log_streams.c.group_name == group)
        if prefix:
            query = query.where(log_streams.c.stream_name.startswith(prefix, autoescape=True))
        query = query.order_by(*order).offset(offset).limit(limit)
        with self._db.read() as conn:
            return [_to_stream(row._mapping) for row in conn.execute(query)]

    def read_log_events(
        self,
        group: str,
        stream: str,
        *,
        after: int | None = None,
        before: int | None = None,
        start: int | None = None,
        end: int | None = None,
        limit: int,
        newest: bool,
    ) -> list[LogEvent]:
        """Events of one stream in seq order: the first `limit` with seq >= `after`, or with
        `newest` the last `limit` (with seq < `before`), within [start, end)."""
        cond = [log_events.c.group_name == group, log_events.c.stream_name == stream]
        cond += _window(after, before, start, end)
        column = log_events.c.seq
        query = select(log_events).where(and_(*cond)).limit(limit)
        query = query.order_by(column.desc() if newest else column.asc())
        with self._db.read() as conn:
            found = [_to_event(row._mapping) for row in conn.execute(query)]
        return found[::-1] if newest else found

    def filter_log_events(
        self,
        group: str,
        streams: Sequence[str] | None,
        prefix: str | None,
        *,
        after: int | None,
        start: int | None,
        end: int | None,
        limit: int,
        matches: Callable[[str], bool],
        scan: int = 10_000,
        max_bytes: int | None = None,
    ) -> tuple[list[LogEvent], int | None]:
        """Matching events of a group in seq order after `after`, and the last seq scanned.

        With `max_bytes`, matching stops before an event that would take the page's messages
        (plus 26 bytes each, as CloudWatch counts) past it; the first event always fits."""
        cond = [log_events.c.group_name == group, *_window(after, None, start, end)]
        if streams:
            cond.append(log_events.c.stream_name.in_(list(streams)))
        if prefix:
            cond.append(log_events.c.stream_name.startswith(prefix, autoescape=True))
        query = select(log_events).where(and_(*cond)).order_by(log_events.c.seq).limit(scan)
        found: list[LogEvent] = []
        last: int | None = None
        budget = max_bytes if max_bytes is not None else -1
        with self._db.read() as conn:
            for row in conn.execute(query):
                event = _to_event(row._mapping)
                if matches(event.message):
                    cost = len(event.message.encode()) + 26
                    if found and max_bytes is not None and cost > budget:
                        break
                    found.append(event)
                    budget -= cost
                    last = event.seq
                    if len(found) == limit:
                        break
                else:
                    last = event.seq
        return found, last

    def expire_logs(self, before_ms: int) -> int:
        """Delete events ingested before `before_ms`, and streams left empty; returns count."""
        with self._db.write() as conn:
            gone = conn.execute(delete(log_events).where(log_events.c.ingestion_time < before_ms))
            conn.execute(
                delete(log_streams).where(
                    log_streams.c.last_ingestion < before_ms,
                    ~select(log_events.c.seq)
                    .where(
                        log_events.c.group_name == log_streams.c.group_name,
                        log_events.c.stream_name == log_streams.c.stream_name,
                    )
                    .exists(),
                )
            )
        return int(gone.rowcount or 0)


def delete_streams(conn: Connection, names: Collection[str]) -> None:
    """In a write transaction: delete the streams named `names` in every group, with their
    events (a run's streams are named after the run)."""
    ids = list(names)
    groups = conn.execute(
        select(log_streams.c.group_name).where(log_streams.c.stream_name.in_(ids)).distinct()
    ).scalars()
    for group in list(groups):
        of_runs = (log_events.c.group_name == group, log_events.c.stream_name.in_(ids))
        conn.execute(delete(log_events).where(*of_runs))
        conn.execute(
            delete(log_streams).where(
                log_streams.c.group_name == group, log_streams.c.stream_name.in_(ids)
            )
        )


def _window(after: int | None, before: int | None, start: int | None, end: int | None) -> list[Any]:
    cond: list[Any] = []
    if after is not None:
        cond.append(log_events.c.seq >= after)
    if before is not None:
        cond.append(log_events.c.seq < before)
    if start is not None:
        cond.append(log_events.c.timestamp >= start)
    if end is not None:
        cond.append(log_events.c.timestamp < end)
    return cond


def _stream_row(conn: Connection, group: str, stream: str) -> LogStream | None:
    row = conn.execute(
        select(log_streams).where(
            log_streams.c.group_name == group, log_streams.c.stream_name == stream
        )
    ).first()
    return _to_stream(row._mapping) if row else None


_EVENT_COLUMNS = ("group_name", "stream_name", "timestamp", "ingestion_time", "message")
_INSERT_EVENT = log_events.insert().values({name: bindparam(name) for name in _EVENT_COLUMNS})


def _insert_events(conn: Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    """Rows in _EVENT_COLUMNS order, through the driver's own executemany: SQLAlchemy's
    handling of each row would cost three times the insert itself, all of it inside the write
    lock. The rows may be an iterator, which SQLAlchemy would not take: a zip of the columns
    hands the driver one reused tuple, where a list of rows would allocate one per event and
    set off the garbage collections that hold the GIL for tens of ms (the event loop's lag)."""
    compiled = _INSERT_EVENT.compile(dialect=conn.dialect)
    params: Iterable[Any]
    if compiled.positional:
        order = [_EVENT_COLUMNS.index(name) for name in compiled.positiontup or ()]
        params = (
            (tuple(row[i] for i in order) for row in rows) if order != [0, 1, 2, 3, 4] else rows
        )
    else:
        params = (dict(zip(_EVENT_COLUMNS, row, strict=True)) for row in rows)
    driver = conn.connection.driver_connection
    assert driver is not None  # only a detached connection has none
    cursor = driver.cursor()
    try:
        cursor.executemany(str(compiled), params)
    finally:
        cursor.close()


def _ensure_stream(conn: Connection, group: str, stream: str, now_ms: int) -> LogStream | None:
    """The stream's row as it was (None: it is created now, empty)."""
    current = _stream_row(conn, group, stream)
    if current is None:
        conn.execute(
            log_streams.insert().values(
                group_name=group,
                stream_name=stream,
                creation_time=now_ms,
                stored_bytes=0,
                source_bytes=0,
            )
        )
    return current


@dataclass(frozen=True)
class _Batch:
    """What a batch of events changes on its stream's row."""

    first: int
    last: int
    size: int

    @classmethod
    def of(cls, stamps: Sequence[int], messages: Sequence[str]) -> _Batch | None:
        if not messages:
            return None
        # One encode of the joined text, not one per event: the bytes are the same.
        size = len("".join(messages).encode())
        return cls(min(stamps), max(stamps), size)


def _stream_update(
    group: str,
    stream: str,
    batch: _Batch | None,
    now_ms: int,
    current: LogStream | None,
    source_bytes: int | None,
) -> Any:
    values: dict[str, Any] = {}
    if batch is not None:
        first, last = batch.first, batch.last
        values["first_event"] = (
            first
            if current is None or current.first_event is None
            else min(first, current.first_event)
        )
        values["last_event"] = (
            last if current is None or current.last_event is None else max(last, current.last_event)
        )
        values["last_ingestion"] = now_ms
        values["stored_bytes"] = log_streams.c.stored_bytes + batch.size
    if source_bytes is not None:
        values["source_bytes"] = source_bytes
    return (
        update(log_streams)
        .where(log_streams.c.group_name == group, log_streams.c.stream_name == stream)
        .values(**values)
    )


def _to_stream(row: Any) -> LogStream:
    return LogStream(
        group=row["group_name"],
        stream=row["stream_name"],
        creation_time=row["creation_time"],
        first_event=row["first_event"],
        last_event=row["last_event"],
        last_ingestion=row["last_ingestion"],
        stored_bytes=row["stored_bytes"],
        source_bytes=row["source_bytes"],
    )


def _to_event(row: Any) -> LogEvent:
    return LogEvent(
        seq=row["seq"],
        group=row["group_name"],
        stream=row["stream_name"],
        timestamp=row["timestamp"],
        ingestion_time=row["ingestion_time"],
        message=row["message"],
    )
