"""The app in process: envelope, error shape, and each operation's wire form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from gluerun.api.app import build_app
from gluerun.api.errors import WIRE_ERRORS
from gluerun.clock import FakeClock
from gluerun.service import GlueService
from gluerun.store import Stores

CT = "application/x-amz-json-1.1"


@pytest.fixture(params=[False, True], ids=["worker-threads", "on-the-loop"])
def client(
    sqlite_store: Stores, clock: FakeClock, request: pytest.FixtureRequest
) -> Iterator[TestClient]:
    """Both ways a SQLite server answers: on worker threads, and (inline_reads, as the CLI
    serves SQLite) reads on the event loop and StartJobRun's write awaited there."""
    service = GlueService(sqlite_store, clock, "us-east-1", "123456789012")
    with TestClient(build_app(service, inline_reads=request.param)) as test_client:
        yield test_client


def call(client: TestClient, op: str, body: Any = None, raw: bytes | None = None) -> Any:
    content = (
        raw
        if raw is not None
        else (b"{}" if body is None else __import__("json").dumps(body).encode())
    )
    return client.post(
        "/", content=content, headers={"X-Amz-Target": f"AWSGlue.{op}", "Content-Type": CT}
    )


def job_body(name: str = "j", **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "Role": "r",
        "Command": {"Name": "pythonshell", "ScriptLocation": "/s.py"},
        **extra,
    }


def test_success_envelope(client: TestClient) -> None:
    response = call(client, "CreateJob", job_body())
    assert response.status_code == 200
    assert response.headers["content-type"] == CT
    assert response.headers["x-amzn-requestid"]
    assert response.json() == {"Name": "j"}


@pytest.mark.parametrize(
    ("op", "body", "raw", "code"),
    [
        ("Nope", {}, None, "UnknownOperationException"),
        ("GetJob", None, b"[1,2]", "SerializationException"),
        ("GetJob", None, b"{not json", "SerializationException"),
        ("GetJob", {"JobName": "missing"}, None, "EntityNotFoundException"),
        ("GetJob", {}, None, "ValidationException"),
        ("GetJobRuns", {"JobName": "j", "MaxResults": 500}, None, "ValidationException"),
        ("GetJobRuns", {"JobName": "j", "NextToken": "%%%"}, None, "InvalidInputException"),
    ],
)
def test_error_shape(client: TestClient, op: str, body: Any, raw: bytes | None, code: str) -> None:
    call(client, "CreateJob", job_body())
    response = call(client, op, body, raw)
    assert response.status_code == 400
    assert response.json()["__type"] == code
    assert response.json()["Message"]
    assert response.headers["x-amzn-errortype"] == code


def test_unknown_target_prefix(client: TestClient) -> None:
    response = client.post(
        "/", content=b"{}", headers={"X-Amz-Target": "DynamoDB_20120810.GetItem"}
    )
    assert response.json()["__type"] == "UnknownOperationException"


def test_every_mapped_error_is_a_400_but_oversized_bodies_and_authentication_failures() -> None:
    # AWS answers a missing, unknown or bad signature with 403 (api/auth.py).
    statuses = {code: status for code, status in WIRE_ERRORS.values()}
    assert statuses.pop("RequestEntityTooLargeException") == 413
    assert {code for code, status in statuses.items() if status != 400} == {
        "MissingAuthenticationTokenException",
        "IncompleteSignatureException",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "InvalidHostHeaderException",
    }
    assert all(status == 403 for status in statuses.values() if status != 400)


def test_job_wire_form_fills_glue_defaults(client: TestClient) -> None:
    call(client, "CreateJob", job_body(Description="d", Connections={"Connections": ["c"]}))
    job = call(client, "GetJob", {"JobName": "j"}).json()["Job"]
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1}
    assert job["MaxRetries"] == 0 and job["MaxCapacity"] == 0.0625
    assert job["Description"] == "d" and job["Connections"] == {"Connections": ["c"]}
    assert isinstance(job["CreatedOn"], float)


def test_update_job_is_a_full_replace_keeping_glue_version(client: TestClient) -> None:
    call(client, "CreateJob", job_body(Description="d", MaxRetries=3, GlueVersion="1.0"))
    update = {"Role": "r2", "Command": {"Name": "pythonshell", "ScriptLocation": "/t.py"}}
    assert call(client, "UpdateJob", {"JobName": "j", "JobUpdate": update}).json() == {
        "JobName": "j"
    }
    job = call(client, "GetJob", {"JobName": "j"}).json()["Job"]
    assert "Description" not in job and job["MaxRetries"] == 0 and job["Role"] == "r2"
    assert job["GlueVersion"] == "1.0"


def test_cross_field_rules(client: TestClient) -> None:
    both = job_body(MaxCapacity=1.0, WorkerType="G.1X", NumberOfWorkers=2)
    assert call(client, "CreateJob", both).json()["__type"] == "InvalidInputException"
    bad_cap = job_body(MaxCapacity=3.0)
    assert "0.0625" in call(client, "CreateJob", bad_cap).json()["Message"]
    # Glue keeps a job of a command it does not know (its runs fail), so gluerun does too.
    any_cmd = {**job_body(), "Name": "any", "Command": {"Name": "shell"}}
    assert call(client, "CreateJob", any_cmd).json() == {"Name": "any"}
    assert call(client, "GetJob", {"JobName": "any"}).json()["Job"]["Command"]["Name"] == "shell"


ONLY_ONE = "Please set only Allocated Capacity or Max Capacity"


def spark_body(name: str, **extra: Any) -> dict[str, Any]:
    return job_body(name, Command={"Name": "glueetl", "ScriptLocation": "/s.py"}, **extra)


def test_allocated_and_max_capacity_are_refused_together(client: TestClient) -> None:
    both = spark_body("both", AllocatedCapacity=2, MaxCapacity=2.0)
    assert call(client, "CreateJob", both).json() == {
        "__type": "InvalidInputException",
        "Message": ONLY_ONE,
    }
    call(client, "CreateJob", spark_body("cap", AllocatedCapacity=3))
    assert call(client, "GetJob", {"JobName": "cap"}).json()["Job"]["MaxCapacity"] == 3.0
    update = {"JobName": "cap", "JobUpdate": {k: v for k, v in both.items() if k != "Name"}}
    assert call(client, "UpdateJob", update).json()["Message"] == ONLY_ONE
    start = {"JobName": "cap", "AllocatedCapacity": 2, "MaxCapacity": 5.0}
    assert call(client, "StartJobRun", start).json()["Message"] == ONLY_ONE


def test_start_job_run_capacity_overrides(client: TestClient) -> None:
    call(
        client,
        "CreateJob",
        spark_body("dpu", ExecutionProperty={"MaxConcurrentRuns": 5}),
    )
    call(
        client,
        "CreateJob",
        spark_body(
            "w", WorkerType="G.1X", NumberOfWorkers=2, ExecutionProperty={"MaxConcurrentRuns": 5}
        ),
    )

    def run_of(job: str, **overrides: Any) -> Any:
        started = call(client, "StartJobRun", {"JobName": job, **overrides}).json()
        assert "JobRunId" in started, started
        body = {"JobName": job, "RunId": started["JobRunId"]}
        return call(client, "GetJobRun", body).json()["JobRun"]

    run = run_of("dpu", AllocatedCapacity=4)
    assert (run["AllocatedCapacity"], run["MaxCapacity"]) == (4, 4.0)
    run = run_of("w", NumberOfWorkers=5)
    assert (run["WorkerType"], run["NumberOfWorkers"], run["MaxCapacity"]) == ("G.1X", 5, 5.0)
    run = run_of("w", WorkerType="G.2X")
    assert (run["WorkerType"], run["NumberOfWorkers"], run["MaxCapacity"]) == ("G.2X", 2, 4.0)
    lone = call(client, "StartJobRun", {"JobName": "dpu", "NumberOfWorkers": 3}).json()
    assert lone["__type"] == "InvalidInputException" and "Number of Workers" in lone["Message"]


def test_run_wire_form(client: TestClient) -> None:
    call(client, "CreateJob", job_body())
    run_id = call(client, "StartJobRun", {"JobName": "j", "Arguments": {"--a": "1"}}).json()[
        "JobRunId"
    ]
    assert run_id.startswith("jr_") and len(run_id) == 67
    run = call(client, "GetJobRun", {"JobName": "j", "RunId": run_id}).json()["JobRun"]
    assert run["JobRunState"] == "STARTING" and run["Arguments"] == {"--a": "1"}
    assert run["LogGroupName"] == "/aws-glue/jobs" and run["PredecessorRuns"] == []
    assert "CompletedOn" not in run and "ErrorMessage" not in run
    plain = call(client, "StartJobRun", {"JobName": "j"}).json()
    assert plain["__type"] == "ConcurrentRunsExceededException"


def test_start_job_run_outcomes_are_the_same_whichever_way_it_is_answered(
    client: TestClient,
) -> None:
    call(client, "CreateJob", job_body("one", ExecutionProperty={"MaxConcurrentRuns": 1}))
    first = call(client, "StartJobRun", {"JobName": "one"}).json()["JobRunId"]
    queued = call(client, "StartJobRun", {"JobName": "one", "JobRunQueuingEnabled": True})
    refused = call(client, "StartJobRun", {"JobName": "one"})
    missing = call(client, "StartJobRun", {"JobName": "nope"})
    invalid = call(client, "StartJobRun", {"JobName": ""})
    run = call(client, "GetJobRun", {"JobName": "one", "RunId": first}).json()["JobRun"]
    waiting = queued.json()["JobRunId"]
    assert run["JobRunState"] == "STARTING"
    assert (
        call(client, "GetJobRun", {"JobName": "one", "RunId": waiting}).json()["JobRun"][
            "JobRunState"
        ]
        == "WAITING"
    )
    assert refused.json()["__type"] == "ConcurrentRunsExceededException"
    assert missing.json()["__type"] == "EntityNotFoundException"
    assert invalid.json()["__type"] == "ValidationException"
