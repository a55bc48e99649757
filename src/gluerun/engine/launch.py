"""The launch request of a run: what an executor is given to start its process."""

from __future__ import annotations

from gluerun.engine.config import EngineConfig
from gluerun.executors.base import LaunchRequest
from gluerun.model import policies, tokens
from gluerun.model.runs import JobRun


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
