"""The Host check (against DNS rebinding) in process: loopback names, GLUERUN_ALLOWED_HOSTS,
and a server with credentials that lists names too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from gluerun.api.app import build_app
from gluerun.api.auth import Guard
from gluerun.clock import FakeClock
from gluerun.credentials import Principal
from gluerun.model.tokens import RunTokens
from gluerun.service import GlueService
from gluerun.store import Stores

GET_JOBS = {"X-Amz-Target": "AWSGlue.GetJobs", "Content-Type": "application/x-amz-json-1.1"}
Make = Callable[..., TestClient]
KEYS = {"AKIAHOST": Principal("AKIAHOST", "secret", "arn:aws:iam::123456789012:user/h")}


def answer(client: TestClient, host: str) -> tuple[int, str | None]:
    response = client.post("/", content=b"{}", headers={**GET_JOBS, "Host": host})
    return response.status_code, response.json().get("__type")


@pytest.fixture
def serve(sqlite_store: Stores, clock: FakeClock) -> Iterator[Make]:
    service = GlueService(sqlite_store, clock, "us-east-1", "123456789012")
    opened: list[TestClient] = []

    def make(**guard_args: Any) -> TestClient:
        guard = Guard(
            "us-east-1", "123456789012", clock, run_tokens=RunTokens(b"k" * 32), **guard_args
        )
        client = TestClient(build_app(service, guard=guard)).__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("host", "answered"),
    [
        ("127.0.0.1:4577", True),
        ("localhost", True),
        ("[::1]:4577", True),
        ("127.8.9.10", True),
        ("app.localhost:4577", True),
        ("attacker.example", False),
        ("localhost.attacker.example", False),
        ("127.0.0.1.attacker.example:4577", False),
        ("", False),
    ],
)
def test_an_anonymous_server_answers_loopback_names_only(
    serve: Make, host: str, answered: bool
) -> None:
    client = serve()
    expected = (200, None) if answered else (403, "InvalidHostHeaderException")
    assert answer(client, host) == expected


def test_allowed_hosts_add_names(serve: Make) -> None:
    client = serve(allowed_hosts=frozenset({"Gluerun.Internal"}))
    assert answer(client, "gluerun.internal:4577") == (200, None)
    assert answer(client, "localhost:4577") == (200, None)
    assert answer(client, "other.internal") == (403, "InvalidHostHeaderException")
    anything = serve(allowed_hosts=frozenset({"*"}))
    assert answer(anything, "attacker.example") == (200, None)


def test_a_server_with_credentials_checks_listed_names_before_signatures(serve: Make) -> None:
    unlisted = serve(keys=KEYS)
    # No names listed: the signature covers Host, and an unsigned request is refused anyway.
    assert answer(unlisted, "gluerun.example.com") == (403, "MissingAuthenticationTokenException")
    listed = serve(keys=KEYS, allowed_hosts=frozenset({"gluerun.example.com"}))
    assert answer(listed, "elsewhere.example.com") == (403, "InvalidHostHeaderException")
    assert answer(listed, "gluerun.example.com") == (403, "MissingAuthenticationTokenException")
