"""SqlTriggers: definitions, due schedules, and fires claimed exactly once (TriggerStore).

A fire is a compare-and-set on the trigger's version in the same transaction that inserts the
runs it starts, so two engines (or a restart) can never fire one tick twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from gluerun.errors import AlreadyExists, ConcurrentModification
from gluerun.model.runs import TERMINAL, JobRun
from gluerun.model.triggers import Start, Trigger, TriggerState, TriggerType
from gluerun.store import codec
from gluerun.store.database import Database
from gluerun.store.run_rows import admit_in, delete_tags, put_tags, tagged
from gluerun.store.tables import jobs, runs, triggers

_TERMINAL = [s.value for s in TERMINAL]
#: How many recent finished runs of a watched job are searched for a trigger-started one.
_RECENT = 50


class SqlTriggers:
    """The TriggerStore (see roles.TriggerStore for the contract of each method)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_trigger(self, trigger: Trigger, tags: Mapping[str, str]) -> None:
        try:
            with self._db.write() as conn:
                conn.execute(triggers.insert().values(**_row(trigger)))
                put_tags(conn, "trigger", trigger.name, tags)
        except AlreadyExists:
            raise AlreadyExists(f"Trigger with name {trigger.name} already exists.") from None
        self._db.notify()

    def get_trigger(self, name: str) -> Trigger | None:
        with self._db.read() as conn:
            doc = conn.execute(select(triggers.c.doc).where(triggers.c.name == name)).scalar()
        return codec.load_trigger(doc) if doc else None

    def list_triggers(
        self, after: str | None, limit: int, tags: Mapping[str, str] | None = None
    ) -> list[Trigger]:
        query = select(triggers.c.doc).order_by(triggers.c.name).limit(limit)
        if after is not None:
            query = query.where(triggers.c.name > after)
        query = tagged(query, "trigger", triggers.c.name, tags or {})
        with self._db.read() as conn:
            return [codec.load_trigger(doc) for doc in conn.execute(query).scalars()]

    def replace_trigger(self, trigger: Trigger, expected_version: int) -> Trigger:
        """Write `trigger` if nobody changed it since `expected_version`; returns it, bumped."""
        bumped = dataclasses.replace(trigger, version=expected_version + 1)
        with self._db.write() as conn:
            if not _swap(conn, bumped, expected_version):
                raise ConcurrentModification(f"Trigger {trigger.name} was changed concurrently.")
        self._db.notify()
        return bumped

    def delete_trigger(self, name: str) -> bool:
        with self._db.write() as conn:
            gone = conn.execute(delete(triggers).where(triggers.c.name == name)).rowcount
            delete_tags(conn, "trigger", name)
        return bool(gone)

    def active_triggers(self, kind: TriggerType, due_by: float | None = None) -> list[Trigger]:
        """ACTIVATED triggers of `kind`; with `due_by`, only those whose next fire has come."""
        query = select(triggers.c.doc).where(
            triggers.c.state == TriggerState.ACTIVATED.value, triggers.c.type == kind.value
        )
        if due_by is not None:
            query = query.where(triggers.c.next_fire <= due_by)
        with self._db.read() as conn:
            return [codec.load_trigger(doc) for doc in conn.execute(query).scalars()]

    def newest_trigger_runs(self, job_names: Collection[str]) -> dict[str, tuple[int, JobRun]]:
        """Per job: its newest finished run that a trigger started, with its sequence."""
        out: dict[str, tuple[int, JobRun]] = {}
        with self._db.read() as conn:
            for name, job_id in _job_ids(conn, job_names).items():
                found = _newest_triggered(conn, job_id)
                if found is not None:
                    out[name] = found
        return out

    def run_watermarks(self, job_names: Collection[str]) -> dict[str, int]:
        """Per job: the sequence of its newest run, so older runs never fire a new trigger."""
        with self._db.read() as conn:
            ids = _job_ids(conn, job_names)
            marks = {}
            for name, job_id in ids.items():
                seq = conn.execute(
                    select(func.max(runs.c.seq)).where(runs.c.job_id == job_id)
                ).scalar()
                marks[name] = int(seq or 0)
            return marks

    def fire_trigger(
        self, before: Trigger, after: Trigger, starts: Sequence[Start]
    ) -> list[JobRun] | None:
        """Claim one fire of `before` (moving it to `after`) and insert its runs, atomically.

        Returns the runs as inserted (a start refused by MaxConcurrentRuns is inserted FAILED),
        or None when the fire was already claimed by someone else.
        """
        bumped = dataclasses.replace(after, version=before.version + 1)
        with self._db.write() as conn:
            if not _swap(conn, bumped, before.version):
                return None
            inserted = [admit_in(conn, start, strict=False) for start in starts]
        self._db.notify()
        return inserted


def _row(trigger: Trigger) -> dict[str, Any]:
    return {
        "name": trigger.name,
        "type": trigger.type.value,
        "state": trigger.state.value,
        "next_fire": trigger.next_fire,
        "version": trigger.version,
        "doc": codec.dump_trigger(trigger),
    }


def _swap(conn: Connection, trigger: Trigger, expected_version: int) -> bool:
    result = conn.execute(
        update(triggers)
        .where(triggers.c.name == trigger.name, triggers.c.version == expected_version)
        .values(**_row(trigger))
    )
    return result.rowcount == 1


def _job_ids(conn: Connection, names: Collection[str]) -> dict[str, str]:
    query = select(jobs.c.name, jobs.c.job_id).where(jobs.c.name.in_(list(names)))
    return {name: job_id for name, job_id in conn.execute(query)}


def _newest_triggered(conn: Connection, job_id: str) -> tuple[int, JobRun] | None:
    query = (
        select(runs.c.seq, runs.c.doc)
        .where(runs.c.job_id == job_id, runs.c.state.in_(_TERMINAL))
        .order_by(runs.c.seq.desc())
        .limit(_RECENT)
    )
    for seq, doc in conn.execute(query):
        run = codec.load_run(doc)
        if run.trigger_name is not None:
            return int(seq), run
    return None
