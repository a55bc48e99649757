"""Every not-found (and stop refusal) answer's exact wire text, pinned byte for byte.

Errors carry data (a job's name, a run's id); `api/errors.py` alone turns them into these
messages, which clients (boto3 callers, Terraform) match on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from gluerun import errors
from gluerun.api.app import build_app
from gluerun.api.errors import message
from gluerun.clock import FakeClock
from gluerun.service import GlueService
from gluerun.store import Stores

CT = "application/x-amz-json-1.1"
ARN = "arn:aws:glue:us-east-1:123456789012"


@pytest.fixture
def client(sqlite_store: Stores, clock: FakeClock) -> Iterator[TestClient]:
    service = GlueService(sqlite_store, clock, "us-east-1", "123456789012")
    with TestClient(build_app(service)) as test_client:
        call(test_client, "CreateJob", {"Name": "j", "Role": "r", "Command": _COMMAND})
        call(test_client, "CreateDatabase", {"DatabaseInput": {"Name": "db"}})
        call(test_client, "CreateTable", {"DatabaseName": "db", "TableInput": {"Name": "t"}})
        yield test_client


_COMMAND = {"Name": "pythonshell", "ScriptLocation": "/s.py"}


def call(client: TestClient, op: str, body: Any) -> Any:
    headers = {"X-Amz-Target": f"AWSGlue.{op}", "Content-Type": CT}
    return client.post("/", content=json.dumps(body).encode(), headers=headers)


@pytest.mark.parametrize(
    ("op", "body", "message"),
    [
        ("GetJob", {"JobName": "nope"}, "Job with name: nope not found."),
        (
            "UpdateJob",
            {"JobName": "nope", "JobUpdate": {"Role": "r", "Command": _COMMAND}},
            "Job with name: nope not found.",
        ),
        ("StartJobRun", {"JobName": "nope"}, "Job with name: nope not found."),
        ("GetJobRuns", {"JobName": "nope"}, "Job with name: nope not found."),
        ("GetJobRun", {"JobName": "nope", "RunId": "jr_x"}, "Job with name: nope not found."),
        ("GetJobRun", {"JobName": "j", "RunId": "jr_x"}, "Job run jr_x not found for job j."),
        ("StartJobRun", {"JobName": "j", "JobRunId": "jr_x"}, "Job run jr_x not found for job j."),
        ("GetTags", {"ResourceArn": f"{ARN}:job/nope"}, "Job with name: nope not found."),
        ("GetTags", {"ResourceArn": f"{ARN}:trigger/nope"}, "Trigger with name: nope not found."),
        ("GetTrigger", {"Name": "nope"}, "Trigger with name: nope not found."),
        (
            "CreateTrigger",
            {"Name": "t", "Type": "ON_DEMAND", "Actions": [{"JobName": "nope"}]},
            "Job with name: nope not found.",
        ),
        ("GetJobBookmark", {"JobName": "nope"}, "Job with name: nope not found."),
        ("GetJobBookmark", {"JobName": "j"}, "Continuation for job j not found."),
        (
            "GetJobBookmark",
            {"JobName": "j", "RunId": "jr_x"},
            "No job bookmark entry of job j for run jr_x.",
        ),
        ("GetDatabase", {"Name": "nope"}, "Database nope not found."),
        ("GetTable", {"DatabaseName": "db", "Name": "nope"}, "Table nope not found."),
        ("DeleteTable", {"DatabaseName": "db", "Name": "nope"}, "Table nope not found."),
        (
            "GetTableVersion",
            {"DatabaseName": "db", "TableName": "t", "VersionId": "7"},
            "Version 7 of table t not found.",
        ),
        (
            "GetPartition",
            {"DatabaseName": "db", "TableName": "t", "PartitionValues": ["a"]},
            "Partition not found: values ['a'].",
        ),
        ("GetConnection", {"Name": "nope"}, "Connection nope not found."),
    ],
)
def test_not_found_message(client: TestClient, op: str, body: Any, message: str) -> None:
    response = call(client, op, body)
    assert response.status_code == 400
    assert response.json() == {"__type": "EntityNotFoundException", "Message": message}


def test_stop_errors(client: TestClient) -> None:
    run_id = call(client, "StartJobRun", {"JobName": "j"}).json()["JobRunId"]
    call(client, "BatchStopJobRun", {"JobName": "j", "JobRunIds": [run_id]})
    answer = call(client, "BatchStopJobRun", {"JobName": "j", "JobRunIds": [run_id, "jr_x"]})
    assert answer.json() == {
        "SuccessfulSubmissions": [],
        "Errors": [
            {
                "JobName": "j",
                "JobRunId": run_id,
                "ErrorDetail": {
                    "ErrorCode": "InvalidInputException",
                    "ErrorMessage": f"Job run {run_id} has already finished.",
                },
            },
            {
                "JobName": "j",
                "JobRunId": "jr_x",
                "ErrorDetail": {
                    "ErrorCode": "EntityNotFoundException",
                    "ErrorMessage": "Job run jr_x not found for job j.",
                },
            },
        ],
    }
    missing = call(client, "BatchStopJobRun", {"JobName": "nope", "JobRunIds": ["jr_y"]})
    assert missing.json()["Errors"][0]["ErrorDetail"] == {
        "ErrorCode": "EntityNotFoundException",
        "ErrorMessage": "Job run jr_y not found for job nope.",
    }


def test_batch_delete_table_errors(client: TestClient) -> None:
    answer = call(client, "BatchDeleteTable", {"DatabaseName": "db", "TablesToDelete": ["nope"]})
    assert answer.json() == {
        "Errors": [
            {
                "TableName": "nope",
                "ErrorDetail": {
                    "ErrorCode": "EntityNotFoundException",
                    "ErrorMessage": "Table nope not found.",
                },
            }
        ]
    }


def _subclasses(cls: type[errors.GluerunError]) -> Iterator[type[errors.GluerunError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_error_carrying_data_has_its_wire_text() -> None:
    """An error whose constructor takes data, not text, must get a Message in api/errors.py
    (else the wire would say its docstring)."""
    carrying = [
        cls
        for cls in _subclasses(errors.GluerunError)
        if "__init__" in vars(cls) and cls is not errors.IllegalRunTransition
    ]
    assert len(carrying) >= 10
    untold = [cls for cls in carrying if message.dispatch(cls) is message.dispatch(Exception)]
    assert untold == []


def test_concurrent_runs_exceeded(client: TestClient) -> None:
    call(client, "StartJobRun", {"JobName": "j"})
    refused = call(client, "StartJobRun", {"JobName": "j"})
    assert refused.json() == {
        "__type": "ConcurrentRunsExceededException",
        "Message": "Concurrent runs exceeded for j",
    }


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (
            {"logGroupName": "/aws-glue/nope", "logStreamName": "jr_x"},
            "The specified log group does not exist.",
        ),
        (
            {"logGroupName": "/aws-glue/jobs/output", "logStreamName": "jr_x"},
            "The specified log stream does not exist.",
        ),
    ],
)
def test_log_resource_not_found(
    client: TestClient, sqlite_store: Stores, body: Any, text: str
) -> None:
    sqlite_store.logs.append_log_events("/aws-glue/jobs/output", "jr_1", [(1_000, "a")], 2_000)
    headers = {"X-Amz-Target": "Logs_20140328.GetLogEvents", "Content-Type": CT}
    answer = client.post("/", content=json.dumps(body).encode(), headers=headers)
    assert answer.json() == {"__type": "ResourceNotFoundException", "Message": text}
