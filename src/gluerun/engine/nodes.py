"""Node liveness: this node's lease in the store, and noticing other nodes' lapsed leases.

A node renews its lease every quarter of the lease time. When a node's lease has run out, the
first live node to see it takes it over (a compare-and-set on the node's row, so exactly one
does) and the engine ends that node's runs: their processes ran on the lost node and cannot be
reached from here. A node that finds its own epoch taken over (it was paused, or cut off, for
longer than its lease) kills what it was running and joins again with a new epoch.
"""

from __future__ import annotations

import logging

from gluerun.clock import Clock
from gluerun.store.base import Fence
from gluerun.store.roles import NodeStore

log = logging.getLogger(__name__)

#: Renewals per lease: a node misses three in a row before it is presumed dead.
BEATS_PER_LEASE = 4
#: How often a node looks for lapsed leases, at most (seconds).
SCAN_SECONDS = 1.0


class Membership:
    """This node's lease: joins, renews, and reports nodes to take over."""

    def __init__(self, nodes: NodeStore, clock: Clock, node_id: str, lease_seconds: float) -> None:
        self.nodes = nodes
        self.clock = clock
        self.node_id = node_id
        self.lease_seconds = lease_seconds
        self.fence: Fence | None = None
        self._next_beat = 0.0
        self._next_scan = 0.0

    def join(self) -> Fence:
        """A new epoch for this node: writes under any earlier epoch are refused from now on."""
        now = self.clock.now()
        self.fence = self.nodes.join_node(self.node_id, now, self.lease_seconds)
        self._next_beat = now + self.lease_seconds / BEATS_PER_LEASE
        log.info("node %s joined (epoch %d)", self.node_id, self.fence.epoch)
        return self.fence

    def was_taken_over(self) -> bool:
        """Whether this node's last epoch was taken over (read before joining again)."""
        return any(
            lease.fence.node_id == self.node_id and lease.state == "lost"
            for lease in self.nodes.list_nodes()
        )

    def current(self) -> Fence:
        return self.fence if self.fence is not None else self.join()

    def renew(self) -> bool:
        """Renew the lease when due; False when this node's epoch was taken over."""
        fence = self.current()
        now = self.clock.now()
        if now < self._next_beat:
            return True
        self._next_beat = now + self.lease_seconds / BEATS_PER_LEASE
        if self.nodes.renew_lease(fence, now, self.lease_seconds):
            return True
        if self.was_taken_over():
            log.warning(
                "node %s (epoch %d) was presumed dead and taken over: it kills its runs'"
                " processes and joins again",
                self.node_id,
                fence.epoch,
            )
        else:
            # Not lost, yet a newer epoch: another process joined under this node's id.
            log.error(
                "another gluerun process joined as node %s (epoch %d superseded): give each"
                " node its own GLUERUN_NODE_ID; this one kills its runs' processes and rejoins",
                self.node_id,
                fence.epoch,
            )
        return False

    def take_over(self) -> list[Fence]:
        """Nodes whose lease lapsed and that this node took over (each taken by one node)."""
        now = self.clock.now()
        if now < self._next_scan:
            return []
        self._next_scan = now + min(SCAN_SECONDS, self.lease_seconds / BEATS_PER_LEASE)
        won = []
        for lease in self.nodes.expired_nodes(now):
            if lease.fence.node_id == self.node_id:
                continue  # our own lease: the next renewal tells whether we were taken over
            if self.nodes.take_over_node(lease.fence, now):
                log.warning(
                    "node %s lost (lease expired at %.3f); taking over its runs",
                    lease.fence.node_id,
                    lease.lease_until,
                    extra={"action": "node_takeover", "lost_node": lease.fence.node_id},
                )
                won.append(lease.fence)
        return won
