"""SqlRetention: find finished runs past the retention, delete them whole (RetentionStore).

A run goes with its log streams (every group's stream named after the run) in one transaction;
the engine deletes the run's directory before that, so a crash in between leaves a row to
delete next time, never a directory nobody will ever delete.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, or_, select

from gluerun.model.runs import TERMINAL
from gluerun.store.database import Database
from gluerun.store.sql_logs import delete_streams
from gluerun.store.tables import events, runs

_FINAL = sorted(state.value for state in TERMINAL)


class SqlRetention:
    """The RetentionStore (see roles.RetentionStore for the contract of each method)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def expired_runs(self, before: float, node_id: str, limit: int) -> list[str]:
        """Ids of finished runs started before `before` that `node_id` ran (or no node did)."""
        query = (
            select(runs.c.id)
            .where(
                runs.c.started_on < before,
                runs.c.state.in_(_FINAL),
                or_(runs.c.node_id == node_id, runs.c.node_id.is_(None)),
            )
            .limit(limit)
        )
        with self._db.read() as conn:
            return list(conn.execute(query).scalars())

    def delete_runs(self, run_ids: Collection[str]) -> int:
        """Delete finished runs and their log streams; returns how many runs went."""
        ids = list(run_ids)
        if not ids:
            return 0
        with self._db.write() as conn:
            gone = conn.execute(delete(runs).where(runs.c.id.in_(ids), runs.c.state.in_(_FINAL)))
            delete_streams(conn, ids)
        return int(gone.rowcount or 0)

    def expire_events(self, before: float) -> int:
        """Delete run events older than `before` (epoch seconds); returns how many went."""
        with self._db.write() as conn:
            gone = conn.execute(delete(events).where(events.c.time < before))
        return int(gone.rowcount or 0)
