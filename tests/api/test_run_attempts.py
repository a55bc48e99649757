"""StartJobRun with JobRunId: a new attempt of a finished run, numbered as the engine numbers
its retries (one past the newest attempt, PreviousRunId that attempt)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from gluerun.api.app import build_app
from gluerun.clock import FakeClock
from gluerun.service import GlueService
from gluerun.store import Stores

CT = "application/x-amz-json-1.1"


@pytest.fixture
def client(sqlite_store: Stores, clock: FakeClock) -> Iterator[TestClient]:
    service = GlueService(sqlite_store, clock, "us-east-1", "123456789012")
    with TestClient(build_app(service)) as test_client:
        command = {"Name": "pythonshell", "ScriptLocation": "/s.py"}
        call(test_client, "CreateJob", {"Name": "j", "Role": "r", "Command": command})
        yield test_client


def call(client: TestClient, op: str, body: Any) -> Any:
    headers = {"X-Amz-Target": f"AWSGlue.{op}", "Content-Type": CT}
    return client.post("/", content=json.dumps(body).encode(), headers=headers).json()


def start(client: TestClient, **extra: Any) -> str:
    run_id: str = call(client, "StartJobRun", {"JobName": "j", **extra})["JobRunId"]
    return run_id


def stop(client: TestClient, run_id: str) -> None:
    """No engine runs here: a run nobody claimed stops at once."""
    call(client, "BatchStopJobRun", {"JobName": "j", "JobRunIds": [run_id]})


def run(client: TestClient, run_id: str) -> dict[str, Any]:
    found: dict[str, Any] = call(client, "GetJobRun", {"JobName": "j", "RunId": run_id})["JobRun"]
    return found


def test_retry_of_a_finished_run_numbers_the_next_attempt(client: TestClient) -> None:
    root = start(client, Arguments={"--a": "1"})
    stop(client, root)
    first = start(client, JobRunId=root, Arguments={"--b": "2"})
    assert first == f"{root}_attempt_1"
    got = run(client, first)
    assert (got["Attempt"], got["PreviousRunId"], got["Arguments"]) == (1, root, {"--b": "2"})
    stop(client, first)
    # from the root again, or from an older attempt: one past the newest attempt
    second = start(client, JobRunId=root)
    assert (second, run(client, second)["PreviousRunId"]) == (f"{root}_attempt_2", first)
    stop(client, second)
    third = start(client, JobRunId=first)
    assert (third, run(client, third)["Attempt"]) == (f"{root}_attempt_3", 3)
    assert run(client, third)["PreviousRunId"] == second


def test_only_finished_runs_are_retried(client: TestClient) -> None:
    root = start(client)
    answer = call(client, "StartJobRun", {"JobName": "j", "JobRunId": root})
    assert answer == {
        "__type": "InvalidInputException",
        "Message": f"Job run {root} is STARTING; only finished runs can be retried.",
    }
