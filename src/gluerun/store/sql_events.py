"""SqlEvents: run events and the figures metrics read (the EventStore role).

Events are recorded in the transaction that changed the run (`record_state_change`, called
by every run write), read back in order, and delivered to webhooks from per-URL cursors."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy import Connection, func, select, update

from gluerun.model.events import STATE_CHANGE, STATE_EVENTS, StoredEvent, state_change_detail
from gluerun.model.runs import JobRun
from gluerun.store.database import Database
from gluerun.store.tables import events, jobs, runs, webhook_cursors


def record_state_change(conn: Connection, run: JobRun) -> None:
    """Called wherever a run row is written: a final state worth an event gets one, once
    (final states are written once, by compare-and-set)."""
    if run.state in STATE_EVENTS:
        insert_event(conn, STATE_CHANGE, state_change_detail(run), run.last_modified_on)


def insert_event(conn: Connection, detail_type: str, detail: dict[str, Any], time: float) -> None:
    """In a write transaction: append one event."""
    conn.execute(
        events.insert().values(
            event_id=str(uuid.uuid4()),
            detail_type=detail_type,
            time=time,
            detail=orjson.dumps(detail).decode(),
        )
    )


class SqlEvents:
    """The EventStore (see roles.EventStore for the contract of each method)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record_event(self, detail_type: str, detail: dict[str, Any], time: float) -> None:
        with self._db.write() as conn:
            insert_event(conn, detail_type, detail, time)

    def events_after(self, seq: int, limit: int) -> list[StoredEvent]:
        query = select(events).where(events.c.seq > seq).order_by(events.c.seq).limit(limit)
        with self._db.read() as conn:
            return [
                StoredEvent(r.seq, r.event_id, r.detail_type, r.time, orjson.loads(r.detail))
                for r in conn.execute(query)
            ]

    def webhook_cursor(self, url: str) -> int:
        with self._db.read() as conn:
            seq = conn.execute(
                select(webhook_cursors.c.last_seq).where(webhook_cursors.c.url == url)
            ).scalar()
        return int(seq) if seq is not None else 0

    def advance_webhook(self, url: str, old: int, new: int) -> bool:
        """Move a webhook's cursor from `old` to `new`; False if another node moved it."""
        with self._db.write() as conn:
            current = conn.execute(
                select(webhook_cursors.c.last_seq).where(webhook_cursors.c.url == url)
            ).scalar()
            if current is None:
                conn.execute(webhook_cursors.insert().values(url=url, last_seq=new))
                return old == 0
            result = conn.execute(
                update(webhook_cursors)
                .where(webhook_cursors.c.url == url, webhook_cursors.c.last_seq == old)
                .values(last_seq=new)
            )
            return result.rowcount == 1

    def job_names(self) -> set[str]:
        with self._db.read() as conn:
            return set(conn.execute(select(jobs.c.name)).scalars())

    def run_counts(self) -> list[tuple[str, str, int]]:
        """(job name, state, runs) over every job that exists."""
        query = (
            select(jobs.c.name, runs.c.state, func.count())
            .join(jobs, jobs.c.job_id == runs.c.job_id)
            .group_by(jobs.c.name, runs.c.state)
        )
        with self._db.read() as conn:
            return [(name, state, int(count)) for name, state, count in conn.execute(query)]

    def queue_depth(self) -> tuple[int, int]:
        """(runs WAITING in job queues, runs STARTING that no engine has claimed yet)."""
        waiting = select(func.count()).where(runs.c.state == "WAITING")
        unclaimed = select(func.count()).where(runs.c.state == "STARTING", runs.c.node_id.is_(None))
        with self._db.read() as conn:
            return int(conn.execute(waiting).scalar() or 0), int(
                conn.execute(unclaimed).scalar() or 0
            )
