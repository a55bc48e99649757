"""Triggers through boto3 against a live server: operations, a real chain, a real schedule."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from live_server import FINAL, wait_state

ARN = "arn:aws:glue:us-east-1:123456789012:trigger/{}"


def job(glue: Any, name: str, path: str) -> None:
    glue.create_job(
        Name=name,
        Role="r",
        Command={"Name": "pythonshell", "ScriptLocation": path},
        ExecutionProperty={"MaxConcurrentRuns": 5},
    )


def newest_run(glue: Any, job_name: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = glue.get_job_runs(JobName=job_name)["JobRuns"]
        if found:
            return dict(found[0])
        time.sleep(0.1)
    raise TimeoutError(f"no run of {job_name}")


def test_trigger_operations(glue: Any, script: Callable[..., str]) -> None:
    job(glue, "t-a", script("pass"))
    job(glue, "t-b", script("pass"))
    glue.create_trigger(
        Name="t-sched",
        Type="SCHEDULED",
        Schedule="cron(0 12 * * ? *)",
        Actions=[{"JobName": "t-a", "Arguments": {"--k": "v"}, "Timeout": 5}],
        Tags={"team": "x"},
    )
    trigger = glue.get_trigger(Name="t-sched")["Trigger"]
    assert (trigger["Type"], trigger["State"]) == ("SCHEDULED", "CREATED")
    assert trigger["Actions"] == [{"JobName": "t-a", "Arguments": {"--k": "v"}, "Timeout": 5}]
    glue.start_trigger(Name="t-sched")
    assert glue.get_trigger(Name="t-sched")["Trigger"]["State"] == "ACTIVATED"
    updated = glue.update_trigger(
        Name="t-sched",
        TriggerUpdate={"Schedule": "cron(0 13 * * ? *)", "Actions": [{"JobName": "t-b"}]},
    )["Trigger"]
    assert (updated["Schedule"], updated["State"]) == ("cron(0 13 * * ? *)", "ACTIVATED")
    glue.stop_trigger(Name="t-sched")
    assert glue.get_trigger(Name="t-sched")["Trigger"]["State"] == "DEACTIVATED"
    assert glue.list_triggers(DependentJobName="t-b")["TriggerNames"] == ["t-sched"]
    assert glue.list_triggers(Tags={"team": "x"})["TriggerNames"] == ["t-sched"]
    assert glue.get_tags(ResourceArn=ARN.format("t-sched"))["Tags"] == {"team": "x"}
    out = glue.batch_get_triggers(TriggerNames=["t-sched", "ghost"])
    assert [t["Name"] for t in out["Triggers"]] == ["t-sched"]
    assert out["TriggersNotFound"] == ["ghost"]
    assert glue.delete_trigger(Name="t-sched")["Name"] == "t-sched"
    assert glue.delete_trigger(Name="t-sched")["Name"] == "t-sched"
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_trigger(Name="t-sched")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"Type": "SCHEDULED"}, "Schedule is required"),
        ({"Type": "SCHEDULED", "Schedule": "cron(* * * * * *)"}, "Invalid schedule"),
        ({"Type": "CONDITIONAL"}, "Predicate"),
        ({"Type": "ON_DEMAND", "StartOnCreation": True}, "StartOnCreation"),
        (
            {
                "Type": "CONDITIONAL",
                "Predicate": {"Conditions": [{"JobName": "v-a", "LogicalOperator": "EQUALS"}]},
            },
            "State cannot be null or empty",
        ),
        (
            {
                "Type": "CONDITIONAL",
                "Predicate": {
                    "Conditions": [
                        {"JobName": "v-a", "State": "SUCCEEDED", "LogicalOperator": "EQUALS"}
                    ]
                },
                "Actions": [{"JobName": "v-a"}],
            },
            "Job cannot be a Predicate and Action",
        ),
        (
            {"Type": "ON_DEMAND", "Actions": [{"JobName": "v-a", "CrawlerName": "c"}]},
            "Both JobName and CrawlerName cannot be set together in an action",
        ),
    ],
)
def test_trigger_validation(glue: Any, kwargs: dict[str, Any], message: str) -> None:
    if "v-a" not in glue.list_jobs()["JobNames"]:
        job(glue, "v-a", "/x.py")
    body = {"Name": "invalid", "Actions": [{"JobName": "v-a"}], **kwargs}
    with pytest.raises(glue.exceptions.InvalidInputException, match=message):
        glue.create_trigger(**body)


def test_on_demand_then_conditional_chain_records_predecessors(
    glue: Any, script: Callable[..., str]
) -> None:
    job(glue, "c-a", script("print('a')"))
    job(glue, "c-b", script("print('b')"))
    glue.create_trigger(Name="c-go", Type="ON_DEMAND", Actions=[{"JobName": "c-a"}])
    glue.create_trigger(
        Name="c-next",
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={
            "Logical": "ANY",
            "Conditions": [{"LogicalOperator": "EQUALS", "JobName": "c-a", "State": "SUCCEEDED"}],
        },
        Actions=[{"JobName": "c-b", "Arguments": {"--from": "a"}}],
    )
    glue.start_trigger(Name="c-go")
    assert glue.get_trigger(Name="c-go")["Trigger"]["State"] == "CREATED"
    a = newest_run(glue, "c-a")
    assert a["TriggerName"] == "c-go"
    assert wait_state(glue, "c-a", a["Id"], FINAL)["JobRunState"] == "SUCCEEDED"
    b = newest_run(glue, "c-b")
    b = wait_state(glue, "c-b", b["Id"], FINAL)
    assert (b["JobRunState"], b["TriggerName"], b["Arguments"]) == (
        "SUCCEEDED",
        "c-next",
        {"--from": "a"},
    )
    full = glue.get_job_run(JobName="c-b", RunId=b["Id"], PredecessorsIncluded=True)["JobRun"]
    assert full["PredecessorRuns"] == [{"JobName": "c-a", "RunId": a["Id"]}]


@pytest.mark.slow
def test_a_real_schedule_fires_within_a_minute(glue: Any, script: Callable[..., str]) -> None:
    job(glue, "every-minute", script("print('tick')"))
    glue.create_trigger(
        Name="minutely",
        Type="SCHEDULED",
        Schedule="cron(* * * * ? *)",
        Actions=[{"JobName": "every-minute"}],
        StartOnCreation=True,
    )
    run = newest_run(glue, "every-minute", timeout=75)
    assert run["TriggerName"] == "minutely"
    assert wait_state(glue, "every-minute", run["Id"], FINAL)["JobRunState"] == "SUCCEEDED"
    glue.stop_trigger(Name="minutely")
