"""Glue's EventBridge events about job runs (source aws.glue), as pure builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gluerun.model.runs import JobRun, RunState

STATE_CHANGE = "Glue Job State Change"
RUN_STATUS = "Glue Job Run Status"

#: The states that produce a "Glue Job State Change" event, with its severity and message.
STATE_EVENTS: dict[RunState, tuple[str, str]] = {
    RunState.SUCCEEDED: ("INFO", "Job run succeeded"),
    RunState.FAILED: ("ERROR", ""),
    RunState.TIMEOUT: ("WARN", "Job run timed out"),
    RunState.STOPPED: ("INFO", "Job run stopped"),
}


@dataclass(frozen=True)
class StoredEvent:
    """One kept event: its order in the store, id, type, time and detail."""

    seq: int
    event_id: str
    detail_type: str
    time: float
    detail: dict[str, Any]


def state_change_detail(run: JobRun) -> dict[str, Any]:
    """The `detail` of a run's final-state event."""
    severity, message = STATE_EVENTS[run.state]
    if run.state is RunState.FAILED:
        message = (
            f"JobName:{run.job_name} and JobRunId:{run.id} failed to execute with exception "
            f"{run.error_message or 'unknown'}"
        )
    return {
        "jobName": run.job_name,
        "severity": severity,
        "state": run.state.value,
        "jobRunId": run.id,
        "message": message,
    }


def run_status_detail(run: JobRun) -> dict[str, Any]:
    """The `detail` of the event for a run still going after its NotifyDelayAfter."""
    return {
        "jobName": run.job_name,
        "severity": "INFO",
        "notificationCondition": {"NotifyDelayAfter": float(run.notify_delay_after or 0)},
        "state": run.state.value,
        "jobRunId": run.id,
        "message": f"Job is in {run.state.value} state",
        "startedOn": _iso(run.started_on, millis=True),
    }


def envelope(
    event_id: str, detail_type: str, detail: dict[str, Any], time: float, region: str, account: str
) -> dict[str, Any]:
    """The EventBridge envelope around a detail, as delivered and as listed."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": "aws.glue",
        "account": account,
        "time": _iso(time, millis=False),
        "region": region,
        "resources": [],
        "detail": detail,
    }


def delay_due(run: JobRun, now: float) -> bool:
    """A run still going NotifyDelayAfter minutes after it started, not yet notified."""
    if run.notify_delay_after is None or run.extra.get("delay_notified"):
        return False
    if run.state not in (RunState.STARTING, RunState.RUNNING, RunState.STOPPING):
        return False
    return now >= run.started_on + run.notify_delay_after * 60


def _iso(moment: float, millis: bool) -> str:
    stamp = datetime.fromtimestamp(moment, UTC)
    if millis:
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
