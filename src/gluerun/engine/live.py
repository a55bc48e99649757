"""What the engine keeps about each run it executes, and what its worker threads report."""

from __future__ import annotations

from dataclasses import dataclass

from gluerun.executors.base import Execution, ExitStatus
from gluerun.model.runs import JobRun


@dataclass
class Live:
    """A run this engine is executing."""

    run: JobRun
    execution: Execution | None = None
    killing: bool = False
    timed_out: bool = False


@dataclass
class Event:
    """Something a worker thread reports to the loop."""

    run_id: str
    launched: Execution | None = None
    status: ExitStatus | None = None
    error: str | None = None
