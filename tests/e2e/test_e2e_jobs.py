"""Jobs, tags and the error contract through boto3 against a live server."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError
from live_server import Server

CMD = {"Name": "pythonshell", "ScriptLocation": "/tmp/x.py", "PythonVersion": "3.9"}
ARN = "arn:aws:glue:us-east-1:123456789012:job/{}"


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_create_get_update_delete(glue: Any) -> None:
    glue.create_job(Name="crud", Role="r", Command=CMD, Description="first", MaxRetries=2)
    job = glue.get_job(JobName="crud")["Job"]
    assert (job["Name"], job["Description"], job["MaxRetries"]) == ("crud", "first", 2)
    with pytest.raises(ClientError) as exc:
        glue.create_job(Name="crud", Role="r", Command=CMD)
    assert error_code(exc) == "AlreadyExistsException"
    glue.update_job(JobName="crud", JobUpdate={"Role": "r2", "Command": CMD})
    job = glue.get_job(JobName="crud")["Job"]
    assert job["Role"] == "r2" and "Description" not in job and job["MaxRetries"] == 0
    assert glue.delete_job(JobName="crud")["JobName"] == "crud"
    assert glue.delete_job(JobName="crud")["JobName"] == "crud"
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_job(JobName="crud")
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.update_job(JobName="crud", JobUpdate={"Role": "r", "Command": CMD})


def test_get_jobs_and_list_jobs_paginate(glue: Any) -> None:
    names = [f"page-{i:02d}" for i in range(7)]
    for i, name in enumerate(names):
        glue.create_job(Name=name, Role="r", Command=CMD, Tags={"parity": str(i % 2)})
    pages = glue.get_paginator("get_jobs").paginate(PaginationConfig={"PageSize": 3})
    seen = [job["Name"] for page in pages for job in page["Jobs"]]
    assert [n for n in seen if n.startswith("page-")] == names
    listed = glue.get_paginator("list_jobs").paginate(
        Tags={"parity": "1"}, PaginationConfig={"PageSize": 2}
    )
    assert [n for page in listed for n in page["JobNames"]] == names[1::2]
    assert glue.list_jobs(Tags={"parity": "7"})["JobNames"] == []


def test_batch_get_jobs(glue: Any) -> None:
    glue.create_job(Name="bg", Role="r", Command=CMD)
    out = glue.batch_get_jobs(JobNames=["bg", "ghost"])
    assert [job["Name"] for job in out["Jobs"]] == ["bg"]
    assert out["JobsNotFound"] == ["ghost"]


def test_tags_on_job_arns(glue: Any) -> None:
    glue.create_job(Name="tagged", Role="r", Command=CMD, Tags={"a": "1"})
    arn = ARN.format("tagged")
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"b": "2"})
    glue.untag_resource(ResourceArn=arn, TagsToRemove=["a"])
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"b": "2"}
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_tags(ResourceArn=ARN.format("ghost"))
    with pytest.raises(glue.exceptions.ValidationException):
        glue.get_tags(ResourceArn="arn:aws:s3:::bucket")
    # the account forms tools send to a local endpoint name gluerun's single account
    for account in ("", "000000000000"):
        other = f"arn:aws:glue:us-east-1:{account}:job/tagged"
        assert glue.get_tags(ResourceArn=other)["Tags"] == {"b": "2"}
    for bad in ("arn:aws:glue:eu-west-1::job/tagged", "arn:aws:glue:us-east-1:12:job/tagged"):
        with pytest.raises(glue.exceptions.InvalidInputException):
            glue.get_tags(ResourceArn=bad)


@pytest.mark.parametrize(
    ("call", "kwargs", "member"),
    [
        ("create_job", {"Name": "x" * 256, "Role": "r", "Command": CMD}, "name"),
        ("create_job", {"Name": "bad\nname", "Role": "r", "Command": CMD}, "name"),
        (
            "create_job",
            {"Name": "w", "Role": "r", "Command": CMD, "WorkerType": "G.3X"},
            "workerType",
        ),
        ("get_job_runs", {"JobName": "j", "MaxResults": 201}, "maxResults"),
        (
            "batch_stop_job_run",
            {"JobName": "j", "JobRunIds": [f"jr_{i}" for i in range(26)]},
            "jobRunIds",
        ),
        ("start_job_run", {"JobName": "j", "ExecutionClass": "FAST"}, "executionClass"),
    ],
)
def test_model_constraints_are_enforced_server_side(
    glue: Any, call: str, kwargs: dict[str, Any], member: str
) -> None:
    # botocore checks max, pattern and enum nowhere: only the server can refuse these.
    with pytest.raises(glue.exceptions.ValidationException) as exc:
        getattr(glue, call)(**kwargs)
    assert member in exc.value.response["Error"]["Message"]


def raw_post(server: Server, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        server.endpoint,
        data=body,
        method="POST",
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize(
    ("target", "body", "code"),
    [
        ("AWSGlue.NoSuchOperation", b"{}", "UnknownOperationException"),
        ("", b"{}", "UnknownOperationException"),
        ("AWSGlue.GetJob", b"[]", "SerializationException"),
        ("AWSGlue.GetJob", b"{oops", "SerializationException"),
        ("AWSGlue.GetJobRuns", b'{"JobName": "j", "MaxResults": 500}', "ValidationException"),
        ("AWSGlue.StartJobRun", b'{"JobName": "j", "Timeout": "10"}', "ValidationException"),
        ("AWSGlue.CreateJob", b'{"Name": "n"}', "ValidationException"),
    ],
)
def test_bad_requests_are_400s_and_the_server_keeps_serving(
    server: Server, glue: Any, target: str, body: bytes, code: str
) -> None:
    status, payload = raw_post(server, target, body)
    assert (status, payload["__type"]) == (400, code)
    assert payload["Message"]
    assert glue.get_jobs()["ResponseMetadata"]["HTTPStatusCode"] == 200
