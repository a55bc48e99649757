"""The database failing under StartJobRun, seen on the wire: a 500 InternalServiceException
(logged as the store's error), not a hang, and the next StartJobRun is answered.

On SQLite StartJobRun's write is awaited on the event loop (operations.start_job_run_awaited);
a trigger the test adds to the runs table makes SQLite itself fail the insert.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from gluerun.api.app import build_app
from gluerun.clock import FakeClock
from gluerun.errors import StoreError
from gluerun.service import GlueService
from gluerun.store import Stores

CT = "application/x-amz-json-1.1"
_COMMAND = {"Name": "pythonshell", "ScriptLocation": "/s.py"}


@pytest.fixture(params=[True, False], ids=["awaited", "worker-thread"])
def awaited(request: pytest.FixtureRequest) -> bool:
    """Both ways a SQLite server answers StartJobRun: its write awaited on the event loop (as
    the CLI serves SQLite, inline_reads), and waited for on a worker thread."""
    return bool(request.param)


@pytest.fixture
def client(awaited: bool, sqlite_store: Stores, clock: FakeClock) -> Iterator[TestClient]:
    service = GlueService(sqlite_store, clock, "us-east-1", "123456789012")
    with TestClient(build_app(service, inline_reads=awaited)) as test_client:
        call(test_client, "CreateJob", {"Name": "j", "Role": "r", "Command": _COMMAND})
        yield test_client


def call(client: TestClient, op: str, body: Any) -> Any:
    headers = {"X-Amz-Target": f"AWSGlue.{op}", "Content-Type": CT}
    return client.post("/", content=json.dumps(body).encode(), headers=headers)


def fail_inserts_of(store: Stores, job_name: str) -> None:
    """Make SQLite fail every insert into runs of job `job_name`, and no other job's (no
    healing write needed after: a writer that stopped serving would hang it)."""
    with store.db.write() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER fail_runs AFTER INSERT ON runs WHEN NEW.job_id = "
            f"(SELECT job_id FROM jobs WHERE name = '{job_name}') "
            "BEGIN SELECT abs(-9223372036854775807 - 1); END"
        )


def test_a_failing_database_makes_start_job_run_an_internal_error(
    client: TestClient, awaited: bool, sqlite_store: Stores, caplog: pytest.LogCaptureFixture
) -> None:
    fail_inserts_of(sqlite_store, "j")
    with caplog.at_level(logging.ERROR, logger="gluerun.api.errors"):
        response = call(client, "StartJobRun", {"JobName": "j"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(CT)
    assert response.json() == {
        "__type": "InternalServiceException",
        "Message": "An internal error occurred.",
    }
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.exc_info is not None
    _, logged, trace = record.exc_info
    # The store's error, translated from the driver's, raised where the write was awaited.
    assert isinstance(logged, StoreError) and "integer overflow" in str(logged)
    handler = "start_job_run_awaited" if awaited else "start_job_run"
    assert handler in [frame.name for frame in traceback.extract_tb(trace)]
    assert call(client, "GetJobRuns", {"JobName": "j"}).json()["JobRuns"] == []


def test_start_job_run_is_answered_again_after_a_failed_one(
    client: TestClient, sqlite_store: Stores
) -> None:
    fail_inserts_of(sqlite_store, "j")
    call(client, "CreateJob", {"Name": "k", "Role": "r", "Command": _COMMAND})
    assert call(client, "StartJobRun", {"JobName": "j"}).status_code == 500
    started = call(client, "StartJobRun", {"JobName": "k"})
    assert started.status_code == 200
    run_id = started.json()["JobRunId"]
    got = call(client, "GetJobRun", {"JobName": "k", "RunId": run_id})
    assert got.json()["JobRun"]["Id"] == run_id
