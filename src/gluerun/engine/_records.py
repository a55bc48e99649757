"""What the engine keeps about its runs, its configuration, and the launch request of a run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gluerun.executors.base import Execution, ExitStatus, LaunchRequest
from gluerun.model import policies, tokens
from gluerun.model.runs import JobRun
from gluerun.model.tokens import RunTokens


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


def launch_request(run: JobRun, config: EngineConfig) -> LaunchRequest:
    """What an executor needs to start `run`: script, argv, run directory, environment."""
    spec = run.launch
    env = dict(config.job_env)
    if config.endpoint_url:
        env["GLUERUN_ENDPOINT_URL"] = config.endpoint_url
    if config.endpoint_ca:
        env["GLUERUN_ENDPOINT_CA"] = config.endpoint_ca
    if config.run_tokens is not None:
        # In the environment only: argv is world-readable in /proc, a process's environ is not.
        env[tokens.ENV] = config.run_tokens.issue(run.job_name, run.id)
    return LaunchRequest(
        run_id=run.id,
        job_name=run.job_name,
        command_name=spec.command_name,
        script_location=spec.script_location,
        python_version=spec.python_version,
        argv=policies.script_argv(spec.arguments, spec.job_id, run.id, run.job_name),
        arguments=spec.arguments,
        run_dir=config.runs_dir / run.id,
        env=env,
        # Executors are sized from WorkerType/NumberOfWorkers, or from a MaxCapacity (or
        # AllocatedCapacity) the run or job set explicitly: every run has a MaxCapacity
        # (Glue's default is 10 DPU), and sizing a user's cluster by that default would ask
        # for more than many clusters have (docs/spark.md).
        worker_type=run.worker_type,
        number_of_workers=run.number_of_workers,
        max_capacity=spec.sized_capacity,
        glue_version=run.glue_version,
    )
