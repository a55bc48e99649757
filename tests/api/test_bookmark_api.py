"""Bookmark operations on the wire: GetJobBookmark, ResetJobBookmark, GetJobBookmarks and
gluerun's CommitJobBookmark, through the app in process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from gluerun.api.app import build_app
from gluerun.clock import FakeClock
from gluerun.model.runs import RunState
from gluerun.service import GlueService
from gluerun.store import Stores
from gluerun.testing import make_job


@pytest.fixture
def service(sqlite_store: Stores, clock: FakeClock) -> GlueService:
    svc = GlueService(sqlite_store, clock, "us-east-1", "123456789012")
    svc.create_job(make_job("j", max_concurrent_runs=5), {})
    return svc


@pytest.fixture
def client(service: GlueService) -> Iterator[TestClient]:
    with TestClient(build_app(service)) as test_client:
        yield test_client


def call(client: TestClient, target: str, body: dict[str, Any]) -> Any:
    response = client.post("/", content=json.dumps(body), headers={"X-Amz-Target": target})
    return response.json()


def running_run(service: GlueService, sqlite_store: Stores) -> str:
    from gluerun.model.starts import RunRequest

    run_id = service.start_job_run("j", RunRequest())
    run = service.get_job_run("j", run_id)
    sqlite_store.runs.update_run(
        run.with_state(RunState.RUNNING, run.started_on), {RunState.STARTING}
    )
    return run_id


def commit(client: TestClient, run_id: str, base: int, state: dict[str, Any]) -> Any:
    body = {"JobName": "j", "RunId": run_id, "BaseVersion": base, "JobBookmark": json.dumps(state)}
    return call(client, "Gluerun.CommitJobBookmark", body)


def test_lifecycle(client: TestClient, service: GlueService, sqlite_store: Stores) -> None:
    missing = call(client, "AWSGlue.GetJobBookmark", {"JobName": "j"})
    assert missing["__type"] == "EntityNotFoundException"
    assert (
        call(client, "AWSGlue.GetJobBookmark", {"JobName": "nope"})["__type"]
        == "EntityNotFoundException"
    )
    first, second = running_run(service, sqlite_store), running_run(service, sqlite_store)
    entry = commit(client, first, 0, {"src": {"n": 1}})["JobBookmarkEntry"]
    assert (entry["Version"], entry["Run"], entry["RunId"]) == (1, 1, first)
    raced = commit(client, second, 0, {"src": {"n": 2}})
    assert raced["__type"] == "ConcurrentModificationException"
    assert "VERSION_MISMATCH" in raced["Message"]
    entry = commit(client, second, 1, {"src": {"n": 2}})["JobBookmarkEntry"]
    assert (entry["Version"], entry["PreviousRunId"]) == (2, first)
    by_run = call(client, "AWSGlue.GetJobBookmark", {"JobName": "j", "RunId": first})
    assert json.loads(by_run["JobBookmarkEntry"]["JobBookmark"]) == {"src": {"n": 1}}
    rewound = call(client, "AWSGlue.ResetJobBookmark", {"JobName": "j", "RunId": first})
    assert rewound["JobBookmarkEntry"]["Version"] == 3
    assert json.loads(rewound["JobBookmarkEntry"]["JobBookmark"]) == {"src": {"n": 1}}
    reset = call(client, "AWSGlue.ResetJobBookmark", {"JobName": "j"})["JobBookmarkEntry"]
    assert (reset["Version"], reset["JobBookmark"]) == (4, "{}")


def test_only_running_runs_commit(client: TestClient, service: GlueService) -> None:
    from gluerun.model.starts import RunRequest

    starting = service.start_job_run("j", RunRequest())
    assert commit(client, starting, 0, {})["__type"] == "InvalidInputException"
    assert commit(client, "jr_nope", 0, {})["__type"] == "EntityNotFoundException"
    bad = call(client, "Gluerun.CommitJobBookmark", {"JobName": "j", "RunId": starting})
    assert bad["__type"] == "InvalidInputException" and "BaseVersion" in bad["Message"]


def test_get_job_bookmarks_pages_with_integer_tokens(
    client: TestClient, service: GlueService, sqlite_store: Stores
) -> None:
    for base in range(5):
        commit(client, running_run(service, sqlite_store), base, {"v": base})
    page = call(client, "AWSGlue.GetJobBookmarks", {"JobName": "j", "MaxResults": 2})
    assert [e["Version"] for e in page["JobBookmarkEntries"]] == [5, 4] and page["NextToken"] == 2
    page = call(
        client, "AWSGlue.GetJobBookmarks", {"JobName": "j", "MaxResults": 2, "NextToken": 2}
    )
    assert [e["Version"] for e in page["JobBookmarkEntries"]] == [3, 2] and page["NextToken"] == 3
    page = call(
        client, "AWSGlue.GetJobBookmarks", {"JobName": "j", "MaxResults": 2, "NextToken": 3}
    )
    assert [e["Version"] for e in page["JobBookmarkEntries"]] == [1] and page["NextToken"] == 1
    whole = call(client, "AWSGlue.GetJobBookmarks", {"JobName": "j"})
    assert len(whole["JobBookmarkEntries"]) == 5 and whole["NextToken"] == 1
    bad = call(client, "AWSGlue.GetJobBookmarks", {"JobName": "j", "NextToken": "x"})
    assert bad["__type"] == "InvalidInputException" and "NextToken" in bad["Message"]
