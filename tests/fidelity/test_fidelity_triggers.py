"""CreateTrigger refusals in Glue's words and Glue's order (boto3, live server)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

SHELL = {"Name": "pythonshell", "ScriptLocation": "/nowhere.py"}
JOB_STATE = (
    "State cannot be null or empty, choose from one of the following job state: "
    "[SUCCEEDED, STOPPED, FAILED, TIMEOUT]"
)
CRAWL_STATE = (
    "State cannot be null or empty, choose from one of the following crawler state: "
    "[SUCCEEDED, FAILED, CANCELLED]"
)
TARGET = "JobName or CrawlerName in condition cannot be null or empty"
LOGICAL = "Logical operator cannot be null or empty when more than one condition is present"
OPERATOR = "Logical operator cannot be null or empty"


def conditional(*conditions: dict[str, str | None], logical: str | None = None) -> dict[str, Any]:
    predicate: dict[str, Any] = {"Conditions": list(conditions)}
    if logical:
        predicate["Logical"] = logical
    return {"Type": "CONDITIONAL", "Predicate": predicate}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"Type": "CONDITIONAL"}, "Predicate cannot be null or empty"),
        (conditional(), "Predicate cannot be null or empty"),
        (
            {"Type": "ON_DEMAND", "Actions": [{"JobName": "a", "CrawlerName": "c"}]},
            "Both JobName and CrawlerName cannot be set together in an action",
        ),
        (conditional({"LogicalOperator": "EQUALS"}), TARGET),
        # the target is checked before the state
        (conditional({"LogicalOperator": "EQUALS", "CrawlState": "SUCCEEDED"}), TARGET),
        (conditional({"LogicalOperator": "EQUALS", "JobName": "b"}), JOB_STATE),
        (conditional({"LogicalOperator": "EQUALS", "CrawlerName": "c"}), CRAWL_STATE),
        # a condition's LogicalOperator is required, checked after its target and state
        (conditional({"JobName": "b"}), JOB_STATE),
        (conditional({"JobName": "b", "State": "SUCCEEDED"}), OPERATOR),
        # a crawler condition (which gluerun cannot serve) is refused for it first, as Glue does
        (conditional({"CrawlerName": "c", "CrawlState": "SUCCEEDED"}), OPERATOR),
        (
            conditional(
                {"LogicalOperator": "EQUALS", "JobName": "b", "State": "SUCCEEDED"},
                {"LogicalOperator": "EQUALS", "JobName": "c", "State": "FAILED"},
            ),
            LOGICAL,
        ),
    ],
)
def test_refusals_are_worded_as_glue_words_them(
    glue: Any, kwargs: dict[str, Any], message: str
) -> None:
    for name in ("a", "b", "c"):
        glue.create_job(Name=name, Role="r", Command=SHELL)
    body = {"Name": "t", "Actions": [{"JobName": "a"}], **kwargs}
    with pytest.raises(ClientError) as caught:
        glue.create_trigger(**body)
    assert caught.value.response["Error"] == {"Code": "InvalidInputException", "Message": message}


def test_a_job_condition_with_crawler_fields_beside_is_accepted(glue: Any) -> None:
    for name in ("a", "b"):
        glue.create_job(Name=name, Role="r", Command=SHELL)
    condition = {
        "LogicalOperator": "EQUALS",
        "JobName": "b",
        "State": "SUCCEEDED",
        "CrawlerName": "some-crawler",
        "CrawlState": "SUCCEEDED",
    }
    glue.create_trigger(Name="t", Actions=[{"JobName": "a"}], **conditional(condition))
    stored = glue.get_trigger(Name="t")["Trigger"]["Predicate"]["Conditions"]
    assert stored == [{"LogicalOperator": "EQUALS", "JobName": "b", "State": "SUCCEEDED"}]


def test_a_job_condition_with_null_crawler_fields_is_accepted(server: Any) -> None:
    """JSON nulls are absent members (as AWS reads them); an empty string is a value, which
    the model's length and enum constraints refuse."""
    glue = boto3.client(
        "glue",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(parameter_validation=False),  # boto3 would not send null or ""
    )
    for name in ("a", "b"):
        glue.create_job(Name=name, Role="r", Command=SHELL)
    condition = {"LogicalOperator": "EQUALS", "JobName": "b", "State": "SUCCEEDED"}
    nulls = {**condition, "CrawlerName": None, "CrawlState": None}
    glue.create_trigger(Name="t", Actions=[{"JobName": "a"}], **conditional(nulls))
    stored = glue.get_trigger(Name="t")["Trigger"]["Predicate"]["Conditions"]
    assert stored == [condition]
    empty = {**condition, "CrawlerName": "", "CrawlState": ""}
    with pytest.raises(ClientError) as caught:
        glue.create_trigger(Name="t2", Actions=[{"JobName": "a"}], **conditional(empty))
    assert caught.value.response["Error"]["Code"] == "ValidationException"
