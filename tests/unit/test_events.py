"""Glue's EventBridge event shapes."""

from __future__ import annotations

import dataclasses

from gluerun.model import events
from gluerun.model.runs import RunState
from gluerun.testing import make_job, make_run


def test_state_change_details_follow_glue() -> None:
    run = make_run(make_job("MyJob"), run_id="jr_1")
    ok = events.state_change_detail(dataclasses.replace(run, state=RunState.SUCCEEDED))
    assert ok == {
        "jobName": "MyJob",
        "severity": "INFO",
        "state": "SUCCEEDED",
        "jobRunId": "jr_1",
        "message": "Job run succeeded",
    }
    failed = events.state_change_detail(
        dataclasses.replace(run, state=RunState.FAILED, error_message="ValueError: x")
    )
    assert failed["severity"] == "ERROR"
    assert failed["message"] == (
        "JobName:MyJob and JobRunId:jr_1 failed to execute with exception ValueError: x"
    )
    timeout = events.state_change_detail(dataclasses.replace(run, state=RunState.TIMEOUT))
    assert (timeout["severity"], timeout["message"]) == ("WARN", "Job run timed out")


def test_run_status_and_envelope() -> None:
    run = make_run(make_job("j"), run_id="jr_2", state=RunState.RUNNING, notify_delay_after=1)
    detail = events.run_status_detail(run)
    assert detail["notificationCondition"] == {"NotifyDelayAfter": 1.0}
    assert detail["message"] == "Job is in RUNNING state"
    assert detail["startedOn"].endswith("Z") and "." in detail["startedOn"]
    wrapped = events.envelope("id-1", events.RUN_STATUS, detail, 0.0, "eu-west-1", "42")
    assert wrapped["source"] == "aws.glue" and wrapped["time"] == "1970-01-01T00:00:00Z"
    assert (wrapped["region"], wrapped["account"], wrapped["resources"]) == ("eu-west-1", "42", [])


def test_delay_due_once_and_only_while_going() -> None:
    run = make_run(make_job(), state=RunState.RUNNING, notify_delay_after=2, started_on=0.0)
    assert not events.delay_due(run, 119.0)
    assert events.delay_due(run, 120.0)
    assert not events.delay_due(dataclasses.replace(run, extra={"delay_notified": True}), 500.0)
    assert not events.delay_due(dataclasses.replace(run, state=RunState.SUCCEEDED), 500.0)
    assert not events.delay_due(dataclasses.replace(run, notify_delay_after=None), 500.0)
