"""`gluerun nodes`: the nodes of a cluster as the store sees them, one row each, and (with
--runs) the runs each node holds."""

from __future__ import annotations

import time

from gluerun.model.runs import SLOT_HOLDING
from gluerun.store.roles import NodeStore, RunStore

HEADER = ("NODE", "EPOCH", "STATE", "LEASE", "LAST HEARTBEAT (UTC)", "RUNS")
RUNS_HEADER = ("NODE", "JOB", "RUN", "STATE")


def node_rows(nodes: NodeStore, runs: RunStore, now: float) -> list[tuple[str, ...]]:
    """Each node: epoch, live or lost (or expired, not yet taken over), lease, its runs."""
    rows: list[tuple[str, ...]] = []
    for lease in nodes.list_nodes():
        left = lease.lease_until - now
        state = lease.state
        if state == "live" and left < 0:
            state = "expired"
        lease_text = f"{left:.1f}s left" if left >= 0 else f"ran out {-left:.1f}s ago"
        beat = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(lease.heartbeat_on))
        owned = runs.node_runs(lease.fence.node_id, SLOT_HOLDING)
        rows.append(
            (lease.fence.node_id, str(lease.fence.epoch), state, lease_text, beat, str(len(owned)))
        )
    return rows


def run_rows(nodes: NodeStore, runs: RunStore) -> list[tuple[str, ...]]:
    """Each run a node holds (starting, running or stopping): node, job, run id, state."""
    return [
        (lease.fence.node_id, run.job_name, run.id, run.state.value)
        for lease in nodes.list_nodes()
        for run in runs.node_runs(lease.fence.node_id, SLOT_HOLDING)
    ]


def format_table(rows: list[tuple[str, ...]], header: tuple[str, ...] = HEADER) -> list[str]:
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]
