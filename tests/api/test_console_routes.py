"""The console's endpoints in process: the page, operations through the API's own dispatch,
cross-site refusals, schedule fire times and the live log stream's end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from gluerun.api.app import build_app
from gluerun.clock import FakeClock
from gluerun.console.routes import fire_times
from gluerun.errors import InvalidInput
from gluerun.service import GlueService
from gluerun.store import Stores
from gluerun.testing import make_job

HEADERS = {"X-Gluerun-Console": "1"}


@pytest.fixture
def client(sqlite_store: Stores, clock: FakeClock) -> Iterator[TestClient]:
    service = GlueService(sqlite_store, clock, "us-east-1", "123456789012")
    service.create_job(make_job("j"), {})
    with TestClient(build_app(service), base_url="http://127.0.0.1:4577") as test_client:
        yield test_client


def test_the_page_is_served_with_a_strict_content_security_policy(client: TestClient) -> None:
    page = client.get("/console/")
    assert page.status_code == 200
    assert '<script src="/console/static/console.js"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert client.get("/console/static/console.js").status_code == 200
    assert client.get("/console", follow_redirects=False).headers["location"] == "/console/"


def test_operations_go_through_the_apis_dispatch_and_errors(client: TestClient) -> None:
    found = client.post("/console/api/AWSGlue.GetJob", json={"JobName": "j"}, headers=HEADERS)
    assert found.json()["Job"]["Name"] == "j"
    missing = client.post("/console/api/AWSGlue.GetJob", json={"JobName": "x"}, headers=HEADERS)
    assert missing.status_code == 400
    assert missing.json()["__type"] == "EntityNotFoundException"
    invalid = client.post("/console/api/AWSGlue.GetJob", json={"JobName": ""}, headers=HEADERS)
    assert invalid.status_code == 400
    assert "jobName" in invalid.json()["Message"] or "JobName" in invalid.json()["Message"]


def test_operations_without_the_console_header_are_refused(client: TestClient) -> None:
    started = client.post("/console/api/AWSGlue.StartJobRun", json={"JobName": "j"})
    assert started.status_code == 403
    runs = client.post("/console/api/AWSGlue.GetJobRuns", json={"JobName": "j"}, headers=HEADERS)
    assert runs.json()["JobRuns"] == []


def test_another_origin_is_refused(client: TestClient) -> None:
    headers = {**HEADERS, "Origin": "http://attacker.example"}
    start = "/console/api/AWSGlue.StartJobRun"
    refused = client.post(start, json={"JobName": "j"}, headers=headers)
    assert refused.status_code == 403
    same = {**HEADERS, "Origin": "http://127.0.0.1:4577"}
    allowed = client.post("/console/api/AWSGlue.GetJob", json={"JobName": "j"}, headers=same)
    assert allowed.status_code == 200


def test_fire_times_of_a_schedule(client: TestClient) -> None:
    start = datetime(2024, 1, 1, 10, 30, tzinfo=UTC).timestamp()
    times = fire_times("cron(0 12 * * ? *)", start, 3)
    assert [datetime.fromtimestamp(t, UTC).day for t in times] == [1, 2, 3]
    assert all(datetime.fromtimestamp(t, UTC).hour == 12 for t in times)
    with pytest.raises(InvalidInput):
        fire_times("cron(nonsense)", start, 3)
    answer = client.get("/console/api/next-fire-times", params={"schedule": "cron(0 * * * ? *)"})
    assert len(answer.json()["FireTimes"]) == 5
    bad = client.get("/console/api/next-fire-times", params={"schedule": "every day"})
    assert bad.status_code == 400


def test_the_log_stream_of_an_unknown_run_ends(client: TestClient) -> None:
    with client.stream("GET", "/console/api/logs/jr_none", params={"job": "j"}) as stream:
        text = "".join(stream.iter_text())
    assert text.startswith("event: end")
    assert json.loads(text.split("data: ", 1)[1]) is None
    bad_group = client.get("/console/api/logs/jr_none", params={"job": "j", "group": "x"})
    assert bad_group.status_code == 400
