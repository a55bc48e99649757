"""SqlNodes: leases of engine nodes, and the fence run writes carry (the NodeStore role).

Each engine node holds a row: an epoch and a lease it renews. A node whose lease ran out is
taken over by a live one, which bumps its epoch and marks it lost in one compare-and-set.
Every write an engine makes about a run names its node and epoch (a Fence), and the UPDATE
itself checks that the row still holds that epoch: a node that was presumed dead (a long
pause, a partition) cannot overwrite what the node that took over wrote.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, exists, select, update

from gluerun.store.base import Fence, NodeLease
from gluerun.store.database import Database, row_locks
from gluerun.store.tables import nodes

LIVE = "live"
LOST = "lost"


def fence_clause(fence: Fence, lock: bool) -> ColumnElement[bool]:
    """True while `fence` is its node's current epoch and the node is live.

    With `lock` (PostgreSQL) the node's row is share-locked by the write that checks it, so a
    takeover (which updates that row) orders strictly before or after the write.
    """
    query = select(nodes.c.node_id).where(
        nodes.c.node_id == fence.node_id, nodes.c.epoch == fence.epoch, nodes.c.state == LIVE
    )
    if lock:
        query = query.with_for_update(read=True)
    return exists(query)


def fence_holds(conn: Connection, fence: Fence) -> bool:
    """In a write transaction: whether `fence` may still write (share-locks its row)."""
    query = select(nodes.c.epoch).where(
        nodes.c.node_id == fence.node_id, nodes.c.epoch == fence.epoch, nodes.c.state == LIVE
    )
    if row_locks(conn):
        query = query.with_for_update(read=True)
    return conn.execute(query).first() is not None


class SqlNodes:
    """The NodeStore (see roles.NodeStore for the contract of each method)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def join_node(self, node_id: str, now: float, lease_seconds: float) -> Fence:
        """Start a new epoch of `node_id` with a fresh lease; its older epochs are fenced out."""
        with self._db.write() as conn:
            query = select(nodes.c.epoch).where(nodes.c.node_id == node_id)
            if row_locks(conn):
                query = query.with_for_update()
            epoch = conn.execute(query).scalar()
            values: dict[str, Any] = {
                "state": LIVE,
                "lease_until": now + lease_seconds,
                "heartbeat_on": now,
                "joined_on": now,
            }
            if epoch is None:
                epoch = 1
                conn.execute(nodes.insert().values(node_id=node_id, epoch=epoch, **values))
            else:
                epoch += 1
                conn.execute(
                    update(nodes).where(nodes.c.node_id == node_id).values(epoch=epoch, **values)
                )
        return Fence(node_id, epoch)

    def renew_lease(self, fence: Fence, now: float, lease_seconds: float) -> bool:
        """Extend the lease of `fence`'s epoch; False once that epoch was taken over."""
        with self._db.write() as conn:
            result = conn.execute(
                update(nodes)
                .where(
                    nodes.c.node_id == fence.node_id,
                    nodes.c.epoch == fence.epoch,
                    nodes.c.state == LIVE,
                )
                .values(lease_until=now + lease_seconds, heartbeat_on=now)
            )
        return bool(result.rowcount == 1)

    def expired_nodes(self, now: float) -> list[NodeLease]:
        """Live nodes whose lease ran out before `now`."""
        query = select(nodes).where(nodes.c.state == LIVE, nodes.c.lease_until < now)
        with self._db.read() as conn:
            return [_lease(row._mapping) for row in conn.execute(query)]

    def take_over_node(self, lost: Fence, now: float) -> bool:
        """Mark `lost` lost and fence its epoch out, if its lease still ran out; True if won."""
        with self._db.write() as conn:
            result = conn.execute(
                update(nodes)
                .where(
                    nodes.c.node_id == lost.node_id,
                    nodes.c.epoch == lost.epoch,
                    nodes.c.state == LIVE,
                    nodes.c.lease_until < now,
                )
                .values(epoch=lost.epoch + 1, state=LOST)
            )
        return bool(result.rowcount == 1)

    def list_nodes(self) -> list[NodeLease]:
        with self._db.read() as conn:
            rows = conn.execute(select(nodes).order_by(nodes.c.node_id))
            return [_lease(row._mapping) for row in rows]


def _lease(row: Any) -> NodeLease:
    return NodeLease(
        fence=Fence(row["node_id"], row["epoch"]),
        state=row["state"],
        lease_until=row["lease_until"],
        heartbeat_on=row["heartbeat_on"],
        joined_on=row["joined_on"],
    )
