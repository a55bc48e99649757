"""How a new run is built from its job and the start request: shared by StartJobRun and triggers."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from gluerun.model import policies
from gluerun.model.jobs import Job
from gluerun.model.runs import JobRun, LaunchSpec, Predecessor, RunState


@dataclass(frozen=True)
class RunRequest:
    """A start's per-run overrides (None: take the job's value)."""

    arguments: Mapping[str, str] | None = None
    job_run_id: str | None = None
    timeout: int | None = None
    max_capacity: float | None = None
    allocated_capacity: int | None = None
    worker_type: str | None = None
    number_of_workers: int | None = None
    security_configuration: str | None = None
    notify_delay_after: int | None = None
    execution_class: str | None = None
    job_run_queuing_enabled: bool | None = None
    trigger_name: str | None = None
    predecessors: tuple[Predecessor, ...] = ()


def new_run_id() -> str:
    """Glue's run id form: jr_ and 64 lowercase hex digits."""
    return "jr_" + secrets.token_hex(32)


def build_run(job: Job, request: RunRequest, now: float) -> JobRun:
    """A new STARTING run of `job` (admission may still queue or refuse it)."""
    arguments = policies.effective_arguments(
        job.default_arguments, request.arguments, job.non_overridable_arguments
    )
    script = arguments.get("--scriptLocation") or job.command.script_location or ""
    cap = policies.capacity(
        job,
        request.max_capacity,
        request.worker_type,
        request.number_of_workers,
        request.allocated_capacity,
    )
    spec = LaunchSpec(
        job.command.name,
        script,
        job.command.python_version,
        arguments,
        job.job_id,
        sized_capacity=_explicit_capacity(job, request, cap.worker_type),
    )
    return JobRun(
        id=new_run_id(),
        job_name=job.name,
        state=RunState.STARTING,
        started_on=now,
        last_modified_on=now,
        admitted_on=now,
        launch=spec,
        trigger_name=request.trigger_name,
        predecessors=request.predecessors,
        arguments=dict(request.arguments) if request.arguments is not None else None,
        timeout=policies.run_timeout(request.timeout, job),
        max_capacity=cap.max_capacity,
        worker_type=cap.worker_type,
        number_of_workers=cap.number_of_workers,
        allocated_capacity=cap.allocated_capacity,
        glue_version=policies.glue_version(job),
        notify_delay_after=request.notify_delay_after or job.notify_delay_after,
        execution_class=request.execution_class or job.execution_class,
        security_configuration=request.security_configuration or job.security_configuration,
        job_run_queuing_enabled=policies.queuing_enabled(request.job_run_queuing_enabled, job),
    )


def _explicit_capacity(job: Job, request: RunRequest, worker_type: str | None) -> float | None:
    """The MaxCapacity a run was given (by itself or its job), not Glue's default; None when
    the run is sized by workers."""
    if worker_type is not None:
        return None
    for value in (
        request.max_capacity,
        request.allocated_capacity,
        job.max_capacity,
        job.allocated_capacity,
    ):
        if value is not None:
            return float(value)
    return None


def error_run(job_name: str, request: RunRequest, now: float, message: str) -> JobRun:
    """A run that ended ERROR at once: a trigger tried to run a job that no longer exists."""
    return JobRun(
        id=new_run_id(),
        job_name=job_name,
        state=RunState.ERROR,
        started_on=now,
        last_modified_on=now,
        completed_on=now,
        launch=LaunchSpec("", "", None, {}, deleted_job_id(job_name)),
        trigger_name=request.trigger_name,
        predecessors=request.predecessors,
        arguments=dict(request.arguments) if request.arguments is not None else None,
        error_message=message,
    )


def deleted_job_id(job_name: str) -> str:
    """The job id under which runs of a job that does not exist are kept."""
    return f"deleted:{job_name}"
