"""What the engine keeps about its runs, and its configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass
class EngineConfig:
    node_id: str
    runs_dir: Path
    max_parallel_runs: int = 16
    job_env: Mapping[str, str] = field(default_factory=dict)
    kill_grace: float = 5.0
    #: delete log events older than this many days (0: keep them forever)
    log_retention_days: int = 0
    #: the API endpoint job processes reach gluerun at (Job.init/commit of job bookmarks)
    endpoint_url: str = ""
    #: called with each run this engine moved to a final state (metrics)
    observer: Callable[[JobRun], None] | None = None
