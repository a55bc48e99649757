"""The CloudWatch Logs operations gluerun serves (`X-Amz-Target: Logs_20140328.<Op>`).

Wire names of the Logs API (lowerCamel) live here only; the handlers call LogsService.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gluerun.model.logs import LogEvent, LogGroup, LogStream
from gluerun.service.logs import LogsService

Body = Mapping[str, Any]
LogsHandler = Callable[[LogsService, Body], dict[str, Any]]
#: X-Amz-Target prefix of CloudWatch Logs.
LOGS_PREFIX = "Logs_20140328"


def _arn(region: str, account: str, group: str, stream: str | None = None) -> str:
    base = f"arn:aws:logs:{region}:{account}:log-group:{group}"
    return f"{base}:log-stream:{stream}" if stream is not None else f"{base}:*"


def _group(body: Body) -> str:
    return str(body.get("logGroupName") or body.get("logGroupIdentifier") or "")


def _event(event: LogEvent) -> dict[str, Any]:
    return {
        "timestamp": event.timestamp,
        "message": event.message,
        "ingestionTime": event.ingestion_time,
    }


def _stream(svc: LogsService, stream: LogStream) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "logStreamName": stream.stream,
        "creationTime": stream.creation_time,
        "arn": _arn(svc.region, svc.account_id, stream.group, stream.stream),
        "storedBytes": stream.stored_bytes,
    }
    for key, value in (
        ("firstEventTimestamp", stream.first_event),
        ("lastEventTimestamp", stream.last_event),
        ("lastIngestionTime", stream.last_ingestion),
    ):
        if value is not None:
            wire[key] = value
    return wire


def _log_group(svc: LogsService, group: LogGroup) -> dict[str, Any]:
    arn = _arn(svc.region, svc.account_id, group.name)
    return {
        "logGroupName": group.name,
        "creationTime": group.creation_time,
        "metricFilterCount": 0,
        "arn": arn,
        "logGroupArn": arn.removesuffix(":*"),
        "storedBytes": group.stored_bytes,
    }


def _with_token(body: dict[str, Any], key: str, token: str | None) -> dict[str, Any]:
    if token:
        body[key] = token
    return body


def describe_log_groups(svc: LogsService, body: Body) -> dict[str, Any]:
    groups, token = svc.describe_log_groups(
        body.get("logGroupNamePrefix"),
        body.get("nextToken"),
        body.get("limit"),
        body.get("logGroupNamePattern"),
    )
    return _with_token({"logGroups": [_log_group(svc, g) for g in groups]}, "nextToken", token)


def describe_log_streams(svc: LogsService, body: Body) -> dict[str, Any]:
    streams, token = svc.describe_log_streams(
        _group(body),
        body.get("logStreamNamePrefix"),
        body.get("orderBy"),
        bool(body.get("descending")),
        body.get("nextToken"),
        body.get("limit"),
    )
    return _with_token({"logStreams": [_stream(svc, s) for s in streams]}, "nextToken", token)


def get_log_events(svc: LogsService, body: Body) -> dict[str, Any]:
    page = svc.get_log_events(
        _group(body),
        body["logStreamName"],
        body.get("startTime"),
        body.get("endTime"),
        body.get("nextToken"),
        body.get("limit"),
        bool(body.get("startFromHead")),
    )
    return {
        "events": [_event(e) for e in page.events],
        "nextForwardToken": page.forward,
        "nextBackwardToken": page.backward,
    }


def filter_log_events(svc: LogsService, body: Body) -> dict[str, Any]:
    events, token = svc.filter_log_events(
        _group(body),
        body.get("logStreamNames"),
        body.get("logStreamNamePrefix"),
        body.get("startTime"),
        body.get("endTime"),
        body.get("filterPattern"),
        body.get("nextToken"),
        body.get("limit"),
    )
    wire_events = [{"logStreamName": e.stream, "eventId": str(e.seq), **_event(e)} for e in events]
    streams = sorted({e.stream for e in events})
    body_out = {
        "events": wire_events,
        "searchedLogStreams": [{"logStreamName": s, "searchComplete": True} for s in streams],
    }
    return _with_token(body_out, "nextToken", token)


#: Operation name → handler.
LOGS_OPERATIONS: dict[str, LogsHandler] = {
    "DescribeLogGroups": describe_log_groups,
    "DescribeLogStreams": describe_log_streams,
    "GetLogEvents": get_log_events,
    "FilterLogEvents": filter_log_events,
}
