"""The retention half of SqlStore: find finished runs past the retention, delete them whole.

A run goes with its log streams (every group's stream named after the run) in one transaction;
the engine deletes the run's directory before that, so a crash in between leaves a row to
delete next time, never a directory nobody will ever delete.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractContextManager

from sqlalchemy import Connection, delete, or_, select

from gluerun.model.runs import TERMINAL
from gluerun.store.tables import events, log_events, log_streams, runs

_FINAL = sorted(state.value for state in TERMINAL)


class RetentionStore:
    """Mixed into SqlStore; relies on its _read/_write helpers."""

    def _read(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

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
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    def delete_runs(self, run_ids: Collection[str]) -> int:
        """Delete finished runs and their log streams; returns how many runs went."""
        ids = list(run_ids)
        if not ids:
            return 0
        with self._write() as conn:
            gone = conn.execute(delete(runs).where(runs.c.id.in_(ids), runs.c.state.in_(_FINAL)))
            groups = conn.execute(
                select(log_streams.c.group_name)
                .where(log_streams.c.stream_name.in_(ids))
                .distinct()
            ).scalars()
            for group in list(groups):
                of_runs = (log_events.c.group_name == group, log_events.c.stream_name.in_(ids))
                conn.execute(delete(log_events).where(*of_runs))
                conn.execute(
                    delete(log_streams).where(
                        log_streams.c.group_name == group, log_streams.c.stream_name.in_(ids)
                    )
                )
        return int(gone.rowcount or 0)

    def expire_events(self, before: float) -> int:
        """Delete run events older than `before` (epoch seconds); returns how many went."""
        with self._write() as conn:
            gone = conn.execute(delete(events).where(events.c.time < before))
        return int(gone.rowcount or 0)
