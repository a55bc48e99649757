"""Wire ⇄ model converters: the only place where Glue's PascalCase member names appear.

Responses follow what the real service returns: absent members are omitted (never null),
timestamps are epoch seconds with millisecond precision, defaults are filled as Glue fills them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gluerun.model import policies
from gluerun.model.jobs import Command, Job
from gluerun.model.runs import LOG_GROUP_NAME, JobRun
from gluerun.service import RunRequest, StopError

Wire = dict[str, Any]

#: Job members gluerun interprets; every other member of a job definition is kept verbatim.
_TYPED_JOB_MEMBERS = frozenset(
    {
        "Name",
        "JobName",
        "Tags",
        "Role",
        "Command",
        "DefaultArguments",
        "NonOverridableArguments",
        "ExecutionProperty",
        "JobRunQueuingEnabled",
        "MaxRetries",
        "Timeout",
        "MaxCapacity",
        "AllocatedCapacity",
        "WorkerType",
        "NumberOfWorkers",
        "GlueVersion",
        "NotificationProperty",
        "ExecutionClass",
        "SecurityConfiguration",
    }
)


def timestamp(value: float) -> float:
    return round(value, 3)


def _drop_none(data: Mapping[str, Any]) -> Wire:
    return {key: value for key, value in data.items() if value is not None}


# -- jobs -----------------------------------------------------------------------------------
def job_from_wire(name: str, body: Mapping[str, Any]) -> Job:
    """A Job from a CreateJob request or an UpdateJob JobUpdate (ids and times left blank)."""
    command = body.get("Command") or {}
    return Job(
        name=name,
        job_id="",
        role=body.get("Role") or "",
        command=Command(
            name=command.get("Name") or "glueetl",
            script_location=command.get("ScriptLocation"),
            python_version=command.get("PythonVersion"),
            runtime=command.get("Runtime"),
        ),
        created_on=0.0,
        last_modified_on=0.0,
        default_arguments=dict(body.get("DefaultArguments") or {}),
        non_overridable_arguments=dict(body.get("NonOverridableArguments") or {}),
        max_concurrent_runs=(body.get("ExecutionProperty") or {}).get("MaxConcurrentRuns"),
        job_run_queuing_enabled=body.get("JobRunQueuingEnabled"),
        max_retries=body.get("MaxRetries"),
        timeout=body.get("Timeout"),
        max_capacity=_float(body.get("MaxCapacity")),
        allocated_capacity=body.get("AllocatedCapacity"),
        worker_type=body.get("WorkerType"),
        number_of_workers=body.get("NumberOfWorkers"),
        glue_version=body.get("GlueVersion"),
        notify_delay_after=(body.get("NotificationProperty") or {}).get("NotifyDelayAfter"),
        execution_class=body.get("ExecutionClass"),
        security_configuration=body.get("SecurityConfiguration"),
        extras={k: v for k, v in body.items() if k not in _TYPED_JOB_MEMBERS and v is not None},
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def job_to_wire(job: Job) -> Wire:
    version = policies.glue_version(job)
    cap = policies.capacity(job)
    command = _drop_none(
        {
            "Name": job.command.name,
            "ScriptLocation": job.command.script_location,
            "PythonVersion": job.command.python_version,
            "Runtime": job.command.runtime,
        }
    )
    wire: Wire = {
        **job.extras,
        "Name": job.name,
        "Role": job.role,
        "CreatedOn": timestamp(job.created_on),
        "LastModifiedOn": timestamp(job.last_modified_on),
        "ExecutionProperty": {"MaxConcurrentRuns": policies.max_concurrent_runs(job)},
        "Command": command,
        "MaxRetries": job.max_retries or 0,
        "AllocatedCapacity": cap.allocated_capacity,
        "Timeout": job.timeout if job.timeout is not None else policies.default_timeout(version),
        "MaxCapacity": cap.max_capacity,
        "GlueVersion": version,
    }
    optional = {
        "DefaultArguments": dict(job.default_arguments) or None,
        "NonOverridableArguments": dict(job.non_overridable_arguments) or None,
        "JobRunQueuingEnabled": job.job_run_queuing_enabled,
        "WorkerType": cap.worker_type,
        "NumberOfWorkers": cap.number_of_workers,
        "NotificationProperty": _notification(job.notify_delay_after),
        "ExecutionClass": job.execution_class,
        "SecurityConfiguration": job.security_configuration,
    }
    wire.update(_drop_none(optional))
    return wire


def _notification(delay: int | None) -> Wire | None:
    return None if delay is None else {"NotifyDelayAfter": delay}


# -- runs -----------------------------------------------------------------------------------
def run_request_from_wire(body: Mapping[str, Any]) -> RunRequest:
    notify = body.get("NotificationProperty") or {}
    return RunRequest(
        arguments=body.get("Arguments"),
        job_run_id=body.get("JobRunId"),
        timeout=body.get("Timeout"),
        max_capacity=_float(body.get("MaxCapacity")),
        worker_type=body.get("WorkerType"),
        number_of_workers=body.get("NumberOfWorkers"),
        security_configuration=body.get("SecurityConfiguration"),
        notify_delay_after=notify.get("NotifyDelayAfter"),
        execution_class=body.get("ExecutionClass"),
        job_run_queuing_enabled=body.get("JobRunQueuingEnabled"),
    )


def run_to_wire(run: JobRun) -> Wire:
    wire: Wire = {
        "Id": run.id,
        "Attempt": run.attempt,
        "JobName": run.job_name,
        "JobMode": "SCRIPT",
        "StartedOn": timestamp(run.started_on),
        "LastModifiedOn": timestamp(run.last_modified_on),
        "JobRunState": run.state.value,
        "PredecessorRuns": [{"JobName": p.job_name, "RunId": p.run_id} for p in run.predecessors],
        "AllocatedCapacity": run.allocated_capacity or 0,
        "ExecutionTime": run.execution_time,
        "LogGroupName": LOG_GROUP_NAME,
    }
    optional = {
        "PreviousRunId": run.previous_run_id,
        "TriggerName": run.trigger_name,
        "CompletedOn": timestamp(run.completed_on) if run.completed_on is not None else None,
        "Arguments": dict(run.arguments) if run.arguments is not None else None,
        "ErrorMessage": run.error_message,
        "Timeout": run.timeout,
        "MaxCapacity": run.max_capacity,
        "WorkerType": run.worker_type,
        "NumberOfWorkers": run.number_of_workers,
        "SecurityConfiguration": run.security_configuration,
        "NotificationProperty": _notification(run.notify_delay_after),
        "GlueVersion": run.glue_version,
        "ExecutionClass": run.execution_class,
        "JobRunQueuingEnabled": run.job_run_queuing_enabled,
        "StateDetail": run.state_detail,
    }
    wire.update(_drop_none(optional))
    return wire


def stop_error_to_wire(job_name: str, error: StopError) -> Wire:
    return {
        "JobName": job_name,
        "JobRunId": error.run_id,
        "ErrorDetail": {"ErrorCode": error.code, "ErrorMessage": error.message},
    }
