"""Values the store's roles (roles.py) take and return: pages, fences, leases, outcomes."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from gluerun.model.runs import JobRun


@dataclass(frozen=True)
class RunPage:
    """One page of a job's runs, newest first; `next_cursor` is None on the last page."""

    runs: Sequence[JobRun]
    next_cursor: int | None


@dataclass(frozen=True)
class Fence:
    """A node's epoch: run writes carrying it are refused once the epoch was taken over."""

    node_id: str
    epoch: int


@dataclass(frozen=True)
class NodeLease:
    """A node's row: its current epoch, "live" or "lost", and its lease."""

    fence: Fence
    state: str
    lease_until: float
    heartbeat_on: float
    joined_on: float


class StopOutcome(enum.Enum):
    """What a stop request found. The service turns the refusals into errors (RunNotFound,
    RunFinished), which api/errors.py alone maps to wire codes."""

    #: the run is stopping (or already was)
    ACCEPTED = "accepted"
    #: the run was queued and is now STOPPED
    STOPPED_WAITING = "stopped-waiting"
    #: the job has no run with that id
    NOT_FOUND = "not-found"
    #: the run had already finished
    FINISHED = "finished"
