"""An engine node's configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gluerun.model.runs import JobRun
from gluerun.model.tokens import RunTokens


@dataclass
class EngineConfig:
    """How an engine node runs its jobs; built from Settings by the CLI."""

    #: this node's name in the store (claims, leases)
    node_id: str
    #: where each run gets its directory (script, launch marks, exit status)
    runs_dir: Path
    #: runs this node executes at once
    max_parallel_runs: int = 16
    #: variables set in every job process's environment
    job_env: Mapping[str, str] = field(default_factory=dict)
    #: seconds a stopped run's process has between SIGTERM and SIGKILL
    kill_grace: float = 5.0
    #: delete log events older than this many days (0: keep them forever)
    log_retention_days: int = 0
    #: delete finished runs (directories, logs, events) started this many days ago (0: never)
    run_retention_days: int = 0
    #: the API endpoint job processes reach gluerun at (Job.init/commit of job bookmarks)
    endpoint_url: str = ""
    #: seconds a node's lease lasts: a node silent this long is presumed dead and its runs
    #: are taken over by a live node (config.node_lease_seconds)
    lease_seconds: float = 20.0
    #: called with each run this engine moved to a final state (metrics)
    observer: Callable[[JobRun], None] | None = None
    #: issues each run the token its process calls back with (None: no token is given)
    run_tokens: RunTokens | None = None
    #: the server's TLS certificate (PEM), which job processes trust for their callbacks
    endpoint_ca: str = ""
