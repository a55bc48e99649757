"""Wire ⇄ model converters: the only place where Glue's PascalCase member names appear.

Responses follow what the real service returns: absent members are omitted (never null),
timestamps are epoch seconds with millisecond precision, defaults are filled as Glue fills them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gluerun.api.errors import error_detail
from gluerun.api.validation import member_names
from gluerun.errors import InvalidInput
from gluerun.model import policies, triggers
from gluerun.model.bookmarks import BookmarkEntry
from gluerun.model.jobs import Command, Job
from gluerun.model.runs import LOG_GROUP_NAME, JobRun, RunState
from gluerun.model.starts import RunRequest
from gluerun.model.triggers import (
    Action,
    Condition,
    Predicate,
    Trigger,
    TriggerState,
    TriggerType,
)
from gluerun.service import StopError

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
        extras=_job_extras(body),
    )


def _job_extras(body: Mapping[str, Any]) -> dict[str, Any]:
    """The members kept verbatim: those of Glue's Job shape. Unknown members are dropped,
    as AWS drops them, so they cannot grow a stored job beyond what the model bounds."""
    kept = member_names("Job") - _TYPED_JOB_MEMBERS
    return {k: v for k, v in body.items() if k in kept and v is not None}


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
    known = member_names("Job")
    wire: Wire = {
        # Only the model's members: a job stored before unknown ones were dropped keeps them.
        **{k: v for k, v in job.extras.items() if k in known},
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
        allocated_capacity=body.get("AllocatedCapacity"),
        worker_type=body.get("WorkerType"),
        number_of_workers=body.get("NumberOfWorkers"),
        security_configuration=body.get("SecurityConfiguration"),
        notify_delay_after=notify.get("NotifyDelayAfter"),
        execution_class=body.get("ExecutionClass"),
        job_run_queuing_enabled=body.get("JobRunQueuingEnabled"),
    )


def run_to_wire(run: JobRun) -> Wire:
    # Runs are shaped by the hundred per GetJobRuns page: plain assignments, no helpers.
    wire: Wire = {
        "Id": run.id,
        "Attempt": run.attempt,
        "JobName": run.job_name,
        "JobMode": "SCRIPT",
        "StartedOn": round(run.started_on, 3),
        "LastModifiedOn": round(run.last_modified_on, 3),
        "JobRunState": run.state.value,
        "PredecessorRuns": [{"JobName": p.job_name, "RunId": p.run_id} for p in run.predecessors],
        "AllocatedCapacity": run.allocated_capacity or 0,
        "ExecutionTime": run.execution_time,
        "LogGroupName": LOG_GROUP_NAME,
    }
    if run.completed_on is not None:
        wire["CompletedOn"] = round(run.completed_on, 3)
    if run.notify_delay_after is not None:
        wire["NotificationProperty"] = {"NotifyDelayAfter": run.notify_delay_after}
    for key, value in (
        ("PreviousRunId", run.previous_run_id),
        ("TriggerName", run.trigger_name),
        ("Arguments", run.arguments),
        ("ErrorMessage", run.error_message),
        ("Timeout", run.timeout),
        ("MaxCapacity", run.max_capacity),
        ("WorkerType", run.worker_type),
        ("NumberOfWorkers", run.number_of_workers),
        ("SecurityConfiguration", run.security_configuration),
        ("GlueVersion", run.glue_version),
        ("ExecutionClass", run.execution_class),
        ("JobRunQueuingEnabled", run.job_run_queuing_enabled),
        ("StateDetail", run.state_detail),
    ):
        if value is not None:
            wire[key] = value
    return wire


def stop_error_to_wire(job_name: str, error: StopError) -> Wire:
    return {
        "JobName": job_name,
        "JobRunId": error.run_id,
        "ErrorDetail": error_detail(error.error),
    }


# -- triggers -------------------------------------------------------------------------------
def _action_from_wire(action: Mapping[str, Any]) -> Action:
    if action.get("CrawlerName"):
        if action.get("JobName"):
            raise InvalidInput(triggers.BOTH_IN_ACTION)
        raise InvalidInput("Crawler actions are not supported: gluerun has no crawlers.")
    if not action.get("JobName"):
        raise InvalidInput("An action must name a JobName.")
    return Action(
        job_name=action["JobName"],
        arguments=action.get("Arguments"),
        timeout=action.get("Timeout"),
        security_configuration=action.get("SecurityConfiguration"),
        notify_delay_after=(action.get("NotificationProperty") or {}).get("NotifyDelayAfter"),
    )


def _predicate_from_wire(predicate: Mapping[str, Any] | None) -> Predicate | None:
    if predicate is None:
        return None
    conditions = [_condition_from_wire(c) for c in predicate.get("Conditions") or []]
    logical = predicate.get("Logical")
    if logical is None and len(conditions) > 1:
        raise InvalidInput(triggers.NO_LOGICAL)
    return Predicate(logical or "AND", tuple(conditions))


def _condition_from_wire(condition: Mapping[str, Any]) -> Condition:
    """A job condition, checked in Glue's order: a target first, then its state, then its
    LogicalOperator (which Glue requires though the model leaves it optional), and only then
    whether gluerun serves it. A job condition that also carries crawler fields is a job
    condition (Glue drops them)."""
    job, state = condition.get("JobName"), condition.get("State") or ""
    if not job and not condition.get("CrawlerName"):
        raise InvalidInput(triggers.NO_CONDITION_TARGET)
    if job and not state:
        raise InvalidInput(triggers.NO_JOB_STATE)
    if not job and not condition.get("CrawlState"):
        raise InvalidInput(triggers.NO_CRAWL_STATE)
    if not condition.get("LogicalOperator"):
        raise InvalidInput(triggers.NO_OPERATOR)
    if not job:
        raise InvalidInput("Crawler conditions are not supported: gluerun has no crawlers.")
    return Condition(job, RunState(state))


def trigger_from_wire(name: str, body: Mapping[str, Any], kind: str) -> Trigger:
    """A Trigger from CreateTrigger (or, with the current type, a TriggerUpdate)."""
    return Trigger(
        name=name,
        type=TriggerType(kind),
        state=TriggerState.CREATED,
        actions=tuple(_action_from_wire(a) for a in body.get("Actions") or []),
        created_on=0.0,
        schedule=body.get("Schedule"),
        predicate=_predicate_from_wire(body.get("Predicate")),
        description=body.get("Description"),
        extras=_drop_none({"WorkflowName": body.get("WorkflowName")}),
    )


def _action_to_wire(action: Action) -> Wire:
    return _drop_none(
        {
            "JobName": action.job_name,
            "Arguments": dict(action.arguments) if action.arguments is not None else None,
            "Timeout": action.timeout,
            "SecurityConfiguration": action.security_configuration,
            "NotificationProperty": _notification(action.notify_delay_after),
        }
    )


def trigger_to_wire(trigger: Trigger) -> Wire:
    wire: Wire = {
        **trigger.extras,
        "Name": trigger.name,
        "Type": trigger.type.value,
        "State": trigger.state.value,
        "Actions": [_action_to_wire(a) for a in trigger.actions],
    }
    if trigger.predicate is not None:
        conditions = [
            {"LogicalOperator": "EQUALS", "JobName": c.job_name, "State": c.state.value}
            for c in trigger.predicate.conditions
        ]
        wire["Predicate"] = {"Logical": trigger.predicate.logical, "Conditions": conditions}
    wire.update(_drop_none({"Schedule": trigger.schedule, "Description": trigger.description}))
    return wire


# -- job bookmarks --------------------------------------------------------------------------
def bookmark_to_wire(entry: BookmarkEntry) -> Wire:
    return _drop_none(
        {
            "JobName": entry.job_name,
            "Version": entry.version,
            "Run": entry.run,
            "Attempt": entry.attempt,
            "PreviousRunId": entry.previous_run_id,
            "RunId": entry.run_id,
            "JobBookmark": entry.bookmark,
        }
    )
