"""The Glue operations gluerun serves: X-Amz-Target name → handler(service, body) → body.

Handlers are thin: the request is already validated against the model; they convert wire
to model (shapes), call the one service method named like the operation, convert back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from gluerun.api import shapes
from gluerun.api.catalog_operations import CATALOG_OPERATIONS
from gluerun.service import GlueService

Body = Mapping[str, Any]
Handler = Callable[[GlueService, Body], dict[str, Any]]
AwaitedHandler = Callable[[GlueService, Body], Awaitable[dict[str, Any]]]


def create_job(svc: GlueService, body: Body) -> dict[str, Any]:
    job = shapes.job_from_wire(body["Name"], body)
    return {"Name": svc.create_job(job, body.get("Tags") or {})}


def get_job(svc: GlueService, body: Body) -> dict[str, Any]:
    return {"Job": shapes.job_to_wire(svc.get_job(body["JobName"]))}


def get_jobs(svc: GlueService, body: Body) -> dict[str, Any]:
    jobs, token = svc.get_jobs(body.get("NextToken"), body.get("MaxResults"))
    return _page({"Jobs": [shapes.job_to_wire(job) for job in jobs]}, token)


def list_jobs(svc: GlueService, body: Body) -> dict[str, Any]:
    names, token = svc.list_jobs(body.get("NextToken"), body.get("MaxResults"), body.get("Tags"))
    return _page({"JobNames": names}, token)


def update_job(svc: GlueService, body: Body) -> dict[str, Any]:
    update = shapes.job_from_wire(body["JobName"], body["JobUpdate"])
    return {"JobName": svc.update_job(body["JobName"], update)}


def delete_job(svc: GlueService, body: Body) -> dict[str, Any]:
    return {"JobName": svc.delete_job(body["JobName"])}


def batch_get_jobs(svc: GlueService, body: Body) -> dict[str, Any]:
    jobs, missing = svc.batch_get_jobs(body["JobNames"])
    return {"Jobs": [shapes.job_to_wire(job) for job in jobs], "JobsNotFound": missing}


def get_tags(svc: GlueService, body: Body) -> dict[str, Any]:
    return {"Tags": svc.get_tags(body["ResourceArn"])}


def tag_resource(svc: GlueService, body: Body) -> dict[str, Any]:
    svc.tag_resource(body["ResourceArn"], body["TagsToAdd"])
    return {}


def untag_resource(svc: GlueService, body: Body) -> dict[str, Any]:
    svc.untag_resource(body["ResourceArn"], body["TagsToRemove"])
    return {}


def start_job_run(svc: GlueService, body: Body) -> dict[str, Any]:
    request = shapes.run_request_from_wire(body)
    return {"JobRunId": svc.start_job_run(body["JobName"], request)}


async def start_job_run_awaited(svc: GlueService, body: Body) -> dict[str, Any]:
    """StartJobRun on the event loop: its reads and checks inline (SQLite), its write awaited
    from the store's writer thread, no worker thread in between."""
    request = shapes.run_request_from_wire(body)
    run = await asyncio.wrap_future(svc.start_job_run_later(body["JobName"], request))
    return {"JobRunId": run.id}


def get_job_run(svc: GlueService, body: Body) -> dict[str, Any]:
    run = svc.get_job_run(body["JobName"], body["RunId"], bool(body.get("PredecessorsIncluded")))
    return {"JobRun": shapes.run_to_wire(run)}


def get_job_runs(svc: GlueService, body: Body) -> dict[str, Any]:
    runs, token = svc.get_job_runs(body["JobName"], body.get("NextToken"), body.get("MaxResults"))
    return _page({"JobRuns": [shapes.run_to_wire(run) for run in runs]}, token)


def batch_stop_job_run(svc: GlueService, body: Body) -> dict[str, Any]:
    name = body["JobName"]
    stopped, errors = svc.batch_stop_job_run(name, body["JobRunIds"])
    return {
        "SuccessfulSubmissions": [{"JobName": name, "JobRunId": run_id} for run_id in stopped],
        "Errors": [shapes.stop_error_to_wire(name, error) for error in errors],
    }


def create_trigger(svc: GlueService, body: Body) -> dict[str, Any]:
    trigger = shapes.trigger_from_wire(body["Name"], body, body["Type"])
    start = bool(body.get("StartOnCreation"))
    return {"Name": svc.create_trigger(trigger, body.get("Tags") or {}, start)}


def get_trigger(svc: GlueService, body: Body) -> dict[str, Any]:
    return {"Trigger": shapes.trigger_to_wire(svc.get_trigger(body["Name"]))}


def get_triggers(svc: GlueService, body: Body) -> dict[str, Any]:
    found, token = svc.get_triggers(
        body.get("NextToken"), body.get("MaxResults"), body.get("DependentJobName")
    )
    return _page({"Triggers": [shapes.trigger_to_wire(t) for t in found]}, token)


def list_triggers(svc: GlueService, body: Body) -> dict[str, Any]:
    names, token = svc.list_triggers(
        body.get("NextToken"),
        body.get("MaxResults"),
        body.get("DependentJobName"),
        body.get("Tags"),
    )
    return _page({"TriggerNames": names}, token)


def batch_get_triggers(svc: GlueService, body: Body) -> dict[str, Any]:
    found, missing = svc.batch_get_triggers(body["TriggerNames"])
    return {"Triggers": [shapes.trigger_to_wire(t) for t in found], "TriggersNotFound": missing}


def update_trigger(svc: GlueService, body: Body) -> dict[str, Any]:
    current = svc.get_trigger(body["Name"])
    update = shapes.trigger_from_wire(body["Name"], body["TriggerUpdate"], current.type.value)
    return {"Trigger": shapes.trigger_to_wire(svc.update_trigger(body["Name"], update))}


def start_trigger(svc: GlueService, body: Body) -> dict[str, Any]:
    return {"Name": svc.start_trigger(body["Name"])}


def stop_trigger(svc: GlueService, body: Body) -> dict[str, Any]:
    return {"Name": svc.stop_trigger(body["Name"])}


def delete_trigger(svc: GlueService, body: Body) -> dict[str, Any]:
    return {"Name": svc.delete_trigger(body["Name"])}


def get_job_bookmark(svc: GlueService, body: Body) -> dict[str, Any]:
    entry = svc.get_job_bookmark(body["JobName"], body.get("RunId"))
    return {"JobBookmarkEntry": shapes.bookmark_to_wire(entry)}


def reset_job_bookmark(svc: GlueService, body: Body) -> dict[str, Any]:
    entry = svc.reset_job_bookmark(body["JobName"], body.get("RunId"))
    return {"JobBookmarkEntry": shapes.bookmark_to_wire(entry)}


def get_job_bookmarks(svc: GlueService, body: Body) -> dict[str, Any]:
    entries, token = svc.get_job_bookmarks(
        body["JobName"], body.get("MaxResults"), body.get("NextToken")
    )
    return {"JobBookmarkEntries": [shapes.bookmark_to_wire(e) for e in entries], "NextToken": token}


def commit_job_bookmark(svc: GlueService, body: Body) -> dict[str, Any]:
    entry = svc.commit_job_bookmark(
        body["JobName"], body["RunId"], body["BaseVersion"], body["JobBookmark"]
    )
    return {"JobBookmarkEntry": shapes.bookmark_to_wire(entry)}


def _page(body: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token:
        body["NextToken"] = token
    return body


#: Operation name → handler. Adding an operation is adding a row.
GLUE_OPERATIONS: dict[str, Handler] = {
    "CreateJob": create_job,
    "GetJob": get_job,
    "GetJobs": get_jobs,
    "ListJobs": list_jobs,
    "UpdateJob": update_job,
    "DeleteJob": delete_job,
    "BatchGetJobs": batch_get_jobs,
    "GetTags": get_tags,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "StartJobRun": start_job_run,
    "GetJobRun": get_job_run,
    "GetJobRuns": get_job_runs,
    "BatchStopJobRun": batch_stop_job_run,
    "CreateTrigger": create_trigger,
    "GetTrigger": get_trigger,
    "GetTriggers": get_triggers,
    "ListTriggers": list_triggers,
    "BatchGetTriggers": batch_get_triggers,
    "UpdateTrigger": update_trigger,
    "StartTrigger": start_trigger,
    "StopTrigger": stop_trigger,
    "DeleteTrigger": delete_trigger,
    "GetJobBookmark": get_job_bookmark,
    "ResetJobBookmark": reset_job_bookmark,
    "GetJobBookmarks": get_job_bookmarks,
    **CATALOG_OPERATIONS,
}

#: Operations with a handler run on the event loop that awaits its write (see app.py).
AWAITED_OPERATIONS: dict[str, AwaitedHandler] = {"StartJobRun": start_job_run_awaited}

#: gluerun's own operations (`X-Amz-Target: Gluerun.<Op>`), called by job processes.
GLUERUN_OPERATIONS: dict[str, Handler] = {
    "CommitJobBookmark": commit_job_bookmark,
}
