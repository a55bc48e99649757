"""Every run outcome, built here by one function each, for the service, triggers, the engine
and the store alike:

- `build_run`: a first attempt (StartJobRun, a trigger), or with `after` the attempt after an
  earlier run (StartJobRun with JobRunId);
- `retry_run`: the engine's retry of a FAILED run;
- `admitted`: what admission makes of a new run: as built, `queued` (WAITING) or `refused`
  (FAILED, for a trigger's start when the job is full);
- `error_run` and `job_vanished`: a run that ended ERROR at once.

Attempts are numbered by one rule, `policies.next_attempt`. The store only decides admission
(`policies.admit`) and applies its outcome atomically.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace

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


def build_run(job: Job, request: RunRequest, now: float, after: JobRun | None = None) -> JobRun:
    """A new STARTING run of `job` (admission may still queue or refuse it): a first attempt,
    or the attempt after `after` (the newest run of the chain a JobRunId names)."""
    number = policies.next_attempt(after) if after is not None else None
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
        id=number.run_id if number is not None else new_run_id(),
        attempt=number.attempt if number is not None else 0,
        previous_run_id=number.previous_run_id if number is not None else None,
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


def retry_run(failed: JobRun, now: float) -> JobRun:
    """The engine's retry of a FAILED run: its launch again as the next attempt, STARTING at
    `now`. Its outcome and the engine's bookkeeping do not carry over, nor its own Arguments
    (the launch holds them merged)."""
    number = policies.next_attempt(failed)
    return replace(
        failed,
        id=number.run_id,
        attempt=number.attempt,
        previous_run_id=number.previous_run_id,
        state=RunState.STARTING,
        started_on=now,
        last_modified_on=now,
        admitted_on=now,
        completed_on=None,
        error_message=None,
        execution_time=0,
        arguments=None,
        node_id=None,
        pid=None,
        pid_started=None,
        running_since=None,
    )


#: StateDetail of a run queued by job-run queuing.
QUEUED_DETAIL = "Waiting for a concurrency slot: MaxConcurrentRuns reached."


def admitted(run: JobRun, decision: policies.Admission) -> JobRun:
    """A new run as admission inserts it: as built (START), queued (QUEUE), or refused
    (REJECT; StartJobRun raises ConcurrentRunsExceeded instead, a trigger records it)."""
    if decision is policies.Admission.QUEUE:
        return queued(run)
    if decision is policies.Admission.REJECT:
        return refused(run, run.started_on)
    return run


def queued(run: JobRun) -> JobRun:
    """A new run born WAITING for a concurrency slot; its Timeout counts from admission.

    Not `with_state`: a new run is not a stored run moving, and STARTING → WAITING is no edge
    of TRANSITIONS (a stored run never goes back to the queue)."""
    return replace(run, state=RunState.WAITING, admitted_on=None, state_detail=QUEUED_DETAIL)


def refused(run: JobRun, now: float) -> JobRun:
    """What a trigger's start becomes when the job has no free slot: a FAILED run."""
    return run.with_state(
        RunState.FAILED, now, error_message=f"Max concurrent runs exceeded for {run.job_name}"
    )


def job_vanished(run: JobRun) -> JobRun:
    """What a trigger's start becomes when its job was deleted before admission."""
    request = RunRequest(trigger_name=run.trigger_name)
    return error_run(run.job_name, request, run.started_on, "The job no longer exists.")


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
