"""Browser requests from another origin: refused on every path, before anything runs.

A page elsewhere can send a loopback server "simple" POSTs (no CORS preflight, so no custom
headers, but any path and a text/plain or form body). The Host check cannot stop these: the
browser sends the server's own Host. The Origin header it also sends can.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from gluerun.api.app import build_app
from gluerun.api.auth import Guard
from gluerun.clock import FakeClock
from gluerun.model.tokens import RunTokens
from gluerun.service import GlueService
from gluerun.store import Stores
from gluerun.testing import make_job

SERVER = "http://127.0.0.1:4577"
SIMPLE = {"Content-Type": "text/plain"}


@pytest.fixture
def service(sqlite_store: Stores, clock: FakeClock) -> GlueService:
    glue = GlueService(sqlite_store, clock, "us-east-1", "123456789012")
    glue.create_job(make_job("kept"), {})
    return glue


@pytest.fixture
def client(service: GlueService, clock: FakeClock) -> Iterator[TestClient]:
    guard = Guard("us-east-1", "123456789012", clock, run_tokens=RunTokens(b"k" * 32))
    app = build_app(service, enable_reset=True, guard=guard)
    with TestClient(app, base_url=SERVER) as test_client:
        yield test_client


@pytest.mark.parametrize("origin", ["http://attacker.example", "null", "http://127.0.0.1:9999"])
def test_a_cross_site_post_cannot_reset_the_store(
    client: TestClient, service: GlueService, origin: str
) -> None:
    refused = client.post("/moto-api/reset", content=b"x", headers={**SIMPLE, "Origin": origin})
    assert refused.status_code == 403
    assert refused.json()["__type"] == "InvalidHostHeaderException"
    assert "cross-origin" in refused.json()["Message"]
    assert service.get_job("kept").name == "kept"


def test_api_calls_from_another_origin_are_refused(client: TestClient) -> None:
    target = {"X-Amz-Target": "AWSGlue.GetJobs", "Content-Type": "application/x-amz-json-1.1"}
    foreign = client.post("/", content=b"{}", headers={**target, "Origin": "http://x.example"})
    assert foreign.status_code == 403
    form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://x.example"}
    sts = client.post("/", content=b"Action=GetCallerIdentity&Version=2011-06-15", headers=form)
    assert sts.status_code == 403


def test_same_origin_and_origin_less_requests_are_answered(
    client: TestClient, service: GlueService
) -> None:
    target = {"X-Amz-Target": "AWSGlue.GetJobs", "Content-Type": "application/x-amz-json-1.1"}
    assert client.post("/", content=b"{}", headers={**target, "Origin": SERVER}).status_code == 200
    assert client.post("/", content=b"{}", headers=target).status_code == 200
    assert client.get("/events", headers={"Origin": SERVER}).status_code == 200
    assert client.post("/gluerun/reset", headers={"Origin": SERVER}).status_code == 200
    assert service.list_jobs(None, None, None) == ([], None)
