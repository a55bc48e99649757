"""What Terraform (hashicorp/aws 5.x) sends for aws_glue_job + aws_glue_trigger, with boto3.

Terraform cannot be installed from the registries these machines reach, so this replays the
provider's call sequence: apply (create, wait, read with tags), plan (read again: no drift),
destroy (delete, wait for EntityNotFound). With `skip_requesting_account_id = true`, the usual
setting for local endpoints, the provider builds ARNs with an empty account.
"""

from __future__ import annotations

from typing import Any

import pytest

REGION = "us-east-1"
JOB = {
    "Name": "tf-etl",
    "Role": "arn:aws:iam::123456789012:role/glue",
    "Command": {"Name": "glueetl", "ScriptLocation": "s3://bucket/etl.py", "PythonVersion": "3"},
    "DefaultArguments": {"--job-language": "python"},
    "ExecutionProperty": {"MaxConcurrentRuns": 1},
    "GlueVersion": "4.0",
    "MaxRetries": 0,
    "Timeout": 60,
    "WorkerType": "G.1X",
    "NumberOfWorkers": 2,
    "Tags": {"team": "data"},
}
TRIGGERS = [
    {
        "Name": "tf-nightly",
        "Type": "SCHEDULED",
        "Schedule": "cron(15 2 * * ? *)",
        "Actions": [{"JobName": "tf-etl", "Arguments": {"--day": "today"}}],
        "StartOnCreation": True,
        "Tags": {"team": "data"},
    },
    {
        "Name": "tf-after",
        "Type": "CONDITIONAL",
        "Actions": [{"JobName": "tf-next"}],
        "Predicate": {
            "Logical": "ANY",
            "Conditions": [
                {"LogicalOperator": "EQUALS", "JobName": "tf-etl", "State": "SUCCEEDED"}
            ],
        },
        "StartOnCreation": True,
    },
]


def arn(kind: str, name: str) -> str:
    return f"arn:aws:glue:{REGION}::{kind}/{name}"  # skip_requesting_account_id: no account


def read_job(glue: Any, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    job: dict[str, Any] = glue.get_job(JobName=name)["Job"]
    return job, glue.get_tags(ResourceArn=arn("job", name))["Tags"]


def read_trigger(glue: Any, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    trigger: dict[str, Any] = glue.get_trigger(Name=name)["Trigger"]
    return trigger, glue.get_tags(ResourceArn=arn("trigger", name))["Tags"]


def apply(glue: Any) -> None:
    for job in (JOB, {**JOB, "Name": "tf-next", "Tags": {}}):
        glue.create_job(**job)
        read_job(glue, job["Name"])
    for trigger in TRIGGERS:
        glue.create_trigger(**trigger)
        # waitTriggerCreated: polls GetTrigger until the state is no longer CREATING
        assert glue.get_trigger(Name=trigger["Name"])["Trigger"]["State"] != "CREATING"
        read_trigger(glue, trigger["Name"])


def assert_no_drift(glue: Any) -> None:
    job, tags = read_job(glue, "tf-etl")
    for key in ("Role", "Command", "DefaultArguments", "ExecutionProperty", "GlueVersion"):
        assert job[key] == JOB[key], key
    for key in ("MaxRetries", "Timeout", "WorkerType", "NumberOfWorkers"):
        assert job[key] == JOB[key], key
    assert tags == JOB["Tags"]
    for sent in TRIGGERS:
        trigger, tags = read_trigger(glue, sent["Name"])
        assert trigger["State"] == "ACTIVATED"  # enabled = true
        assert trigger["Actions"] == sent["Actions"]
        assert trigger.get("Predicate") == sent.get("Predicate")
        assert trigger.get("Schedule") == sent.get("Schedule")
        assert tags == sent.get("Tags", {})


def destroy(glue: Any) -> None:
    for trigger in TRIGGERS:
        glue.delete_trigger(Name=trigger["Name"])
        with pytest.raises(glue.exceptions.EntityNotFoundException):  # waitTriggerDeleted
            glue.get_trigger(Name=trigger["Name"])
    for name in ("tf-etl", "tf-next"):
        glue.delete_job(JobName=name)
        with pytest.raises(glue.exceptions.EntityNotFoundException):
            glue.get_job(JobName=name)


def test_apply_plan_destroy_with_empty_account_arns(glue: Any) -> None:
    apply(glue)
    assert_no_drift(glue)
    # a tag change in a later apply goes through TagResource/UntagResource on the same ARN
    glue.tag_resource(ResourceArn=arn("job", "tf-etl"), TagsToAdd={"env": "dev"})
    glue.untag_resource(ResourceArn=arn("job", "tf-etl"), TagsToRemove=["env"])
    assert_no_drift(glue)
    destroy(glue)
    assert glue.list_jobs()["JobNames"] == []
    assert glue.list_triggers()["TriggerNames"] == []
