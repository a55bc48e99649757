"""Values the store's roles (roles.py) take and return: pages, fences, leases, outcomes."""

from __future__ import annotations

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


class StopOutcome:
    """What a stop request found (values are the ErrorDetail codes where it failed)."""

    #: the run is stopping (or already was)
    ACCEPTED = "accepted"
    #: the run was queued and is now STOPPED
    STOPPED_WAITING = "stopped-waiting"
    NOT_FOUND = "EntityNotFoundException"
    FINISHED = "InvalidInputException"
