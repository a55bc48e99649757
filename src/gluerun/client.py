"""What `gluerun logs` and `gluerun runs` do: read a server through its own API with boto3."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from gluerun.model.logs import ERROR_GROUP, OUTPUT_GROUP

#: gluerun's last message on a run's error stream starts with this (engine.FINAL_NOTE).
_FINAL = "gluerun: run ended"
FINISHED = frozenset({"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR", "EXPIRED"})


def clients(endpoint: str, region: str, profile: str | None = None) -> tuple[Any, Any]:
    """Glue and Logs clients of `endpoint`, signing with the usual AWS credential chain
    (`profile`, AWS_PROFILE, AWS_ACCESS_KEY_ID, ~/.aws/credentials ...); with none found,
    placeholder keys, which a server without a credentials file accepts."""
    import boto3
    from botocore.config import Config

    session = boto3.Session(profile_name=profile, region_name=region)
    options: dict[str, Any] = {
        "endpoint_url": endpoint,
        "config": Config(retries={"max_attempts": 2}),
    }
    if session.get_credentials() is None:
        options.update(aws_access_key_id="gluerun", aws_secret_access_key="gluerun")
    return session.client("glue", **options), session.client("logs", **options)


def stream_logs(
    logs: Any, run_id: str, follow: bool, poll: float = 0.5
) -> Iterator[tuple[str, str]]:
    """(group, line) pairs of a run's output and error streams; with `follow`, until it ends."""
    tokens: dict[str, str | None] = {OUTPUT_GROUP: None, ERROR_GROUP: None}
    while True:
        ended = False
        for group in tokens:
            for line in _read_new(logs, group, run_id, tokens):
                ended = ended or line.startswith(_FINAL)
                yield group, line
        if not follow or ended:
            return
        time.sleep(poll)


def _read_new(logs: Any, group: str, run_id: str, tokens: dict[str, str | None]) -> list[str]:
    request: dict[str, Any] = {
        "logGroupName": group,
        "logStreamName": run_id,
        "startFromHead": True,
    }
    if tokens[group]:
        request["nextToken"] = tokens[group]
    lines: list[str] = []
    while True:
        try:
            page = logs.get_log_events(**request)
        except logs.exceptions.ResourceNotFoundException:
            return lines
        lines.extend(event["message"] for event in page["events"])
        if page["nextForwardToken"] == request.get("nextToken"):
            return lines
        tokens[group] = request["nextToken"] = page["nextForwardToken"]


def run_rows(glue: Any, job: str, limit: int) -> list[tuple[str, ...]]:
    """Id, state, attempt, started, duration of a job's newest runs."""
    rows = []
    pages = glue.get_paginator("get_job_runs").paginate(JobName=job)
    for page in pages:
        for run in page["JobRuns"]:
            rows.append(_row(run))
            if len(rows) >= limit:
                return rows
    return rows


def _row(run: dict[str, Any]) -> tuple[str, ...]:
    started: datetime = run["StartedOn"]
    ended: datetime = run.get("CompletedOn") or datetime.now(UTC)
    seconds = int((ended - started).total_seconds())
    return (
        run["Id"],
        run["JobRunState"],
        str(run.get("Attempt", 0)),
        started.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        f"{seconds // 60}m{seconds % 60:02d}s",
    )


def print_table(rows: list[tuple[str, ...]], echo: Callable[[str], None]) -> None:
    header = ("RUN ID", "STATE", "ATTEMPT", "STARTED (UTC)", "DURATION")
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
