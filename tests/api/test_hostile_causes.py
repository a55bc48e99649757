"""Each cause of HTTP 500 found by the hostile-input campaign (issue 11) is a 400 naming the
member, on SQLite and PostgreSQL, and no value already stored can make a later read fail.

Assertions name the status class, the error code family and the member, not the exact
wording, so the message format may change without touching these tests.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from gluerun.api.app import build_app
from gluerun.clock import FakeClock
from gluerun.model.jobs import GLUEETL, Command
from gluerun.model.logs import OUTPUT_GROUP
from gluerun.service import GlueService
from gluerun.store import Stores
from gluerun.testing import make_job

HUGE = "99999999999999999999"


@pytest.fixture
def client(store: Stores, clock: FakeClock) -> Iterator[TestClient]:
    service = GlueService(store, clock, "us-east-1", "123456789012")
    with TestClient(build_app(service)) as test_client:
        yield test_client


def call(client: TestClient, target: str, body: Any) -> Any:
    prefix = "" if "." in target else "AWSGlue."
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return client.post("/", content=raw, headers={"X-Amz-Target": prefix + target})


def rejected(response: Any, member: str, code: str = "InvalidInputException") -> None:
    """A 4xx naming `member` (any casing), never a 5xx."""
    assert 400 <= response.status_code < 500, response.text
    error = response.json()
    assert error["__type"] in {code, "ValidationException"}, error
    assert member.lower() in error["Message"].lower(), error


def reads_work(client: TestClient) -> None:
    """Everyone's reads still answer after the hostile call."""
    assert call(client, "GetJobs", {}).status_code == 200
    names = call(client, "ListJobs", {}).json()["JobNames"]
    assert call(client, "BatchGetJobs", {"JobNames": names or ["x"]}).status_code == 200
    for name in names:
        assert call(client, "GetJob", {"JobName": name}).status_code == 200
        assert call(client, "GetJobRuns", {"JobName": name}).status_code == 200


def spark_job(name: str = "etl", **extra: Any) -> dict[str, Any]:
    command = {"Name": "glueetl", "ScriptLocation": "/s.py"}
    return {"Name": name, "Role": "r", "Command": command, **extra}


# -- numbers beyond the model's ranges or the store's types ----------------------------------
@pytest.mark.parametrize("capacity", [1e300, -1e300, 1.5, 101.0])
def test_create_job_rejects_a_spark_capacity_glue_would_not_take(
    client: TestClient, capacity: float
) -> None:
    rejected(call(client, "CreateJob", spark_job(MaxCapacity=capacity)), "MaxCapacity")
    reads_work(client)


@pytest.mark.parametrize("capacity", [1e300, -1e300])
def test_start_job_run_rejects_an_absurd_capacity(client: TestClient, capacity: float) -> None:
    assert call(client, "CreateJob", spark_job()).status_code == 200
    rejected(
        call(client, "StartJobRun", {"JobName": "etl", "MaxCapacity": capacity}), "MaxCapacity"
    )
    reads_work(client)


def test_a_job_stored_with_an_absurd_capacity_still_reads(
    client: TestClient, store: Stores
) -> None:
    spark = Command(GLUEETL, "/s.py", "3")
    store.runs.create_job(make_job("legacy", command=spark, max_capacity=1e300), {})
    job = call(client, "GetJob", {"JobName": "legacy"}).json()["Job"]
    assert job["MaxCapacity"] == 1e300 and job["AllocatedCapacity"] == 2**31 - 1
    reads_work(client)
    # Starting it is refused with a reason until UpdateJob fixes the capacity.
    rejected(call(client, "StartJobRun", {"JobName": "legacy"}), "MaxCapacity")


# -- nesting and unknown members --------------------------------------------------------------
def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("depth", [70, 252, 300])
def test_a_deeply_nested_unknown_member_is_refused(client: TestClient, depth: int) -> None:
    rejected(call(client, "CreateJob", spark_job(Unknown=nested(depth))), "unknown")
    reads_work(client)


def test_a_deeply_nested_modeled_member_is_refused(client: TestClient) -> None:
    # Mapping.Children is recursive in Glue's model: the model alone never stops it.
    mapping: dict[str, Any] = {"ToKey": "k"}
    for _ in range(40):
        mapping = {"ToKey": "k", "Children": [mapping]}
    nodes = {"n1": {"ApplyMapping": {"Name": "m", "Inputs": ["n0"], "Mapping": [mapping]}}}
    response = call(client, "CreateJob", spark_job(CodeGenConfigurationNodes=nodes))
    rejected(response, "codeGenConfigurationNodes")
    reads_work(client)


def test_unknown_members_are_dropped_as_aws_drops_them(client: TestClient) -> None:
    body = spark_job(Description="kept", Unknown={"x": "y" * 1000})
    assert call(client, "CreateJob", body).status_code == 200
    job = call(client, "GetJob", {"JobName": "etl"}).json()["Job"]
    assert job["Description"] == "kept" and "Unknown" not in job


def test_a_job_stored_with_a_deep_unknown_member_still_reads(
    client: TestClient, store: Stores
) -> None:
    job = dataclasses.replace(make_job("old"), extras={"Unknown": nested(252), "Description": "d"})
    store.runs.create_job(job, {})
    got = call(client, "GetJob", {"JobName": "old"}).json()["Job"]
    assert got["Description"] == "d" and "Unknown" not in got
    reads_work(client)


# -- tokens and cursors -----------------------------------------------------------------------
def token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize("cursor", [HUGE, "²", "9" * 5000, "-1", "1\x00"])
def test_get_job_runs_rejects_a_forged_run_cursor(client: TestClient, cursor: str) -> None:
    assert call(client, "CreateJob", spark_job()).status_code == 200
    rejected(
        call(client, "GetJobRuns", {"JobName": "etl", "NextToken": token("run:" + cursor)}),
        "NextToken",
    )
    reads_work(client)


@pytest.mark.parametrize("op", ["GetJobs", "ListJobs", "GetTriggers", "ListTriggers"])
def test_name_cursors_may_not_hold_nul(client: TestClient, op: str) -> None:
    kind = "job" if "Job" in op else "trigger"
    rejected(call(client, op, {"NextToken": token(f"{kind}:a\x00b")}), "NextToken")
    reads_work(client)


@pytest.mark.parametrize(
    ("member", "value"), [("NextToken", 2**63 - 1), ("MaxResults", 2**40), ("NextToken", 2**64)]
)
def test_get_job_bookmarks_rejects_numbers_beyond_an_int(
    client: TestClient, member: str, value: int
) -> None:
    assert call(client, "CreateJob", spark_job()).status_code == 200
    rejected(call(client, "GetJobBookmarks", {"JobName": "etl", member: value}), member)
    reads_work(client)


def log_call(client: TestClient, op: str, body: dict[str, Any]) -> Any:
    return call(client, f"Logs_20140328.{op}", body)


@pytest.fixture
def with_logs(store: Stores) -> None:
    store.logs.append_log_events(OUTPUT_GROUP, "jr_1", [(1_000, "hello"), (2_000, "world")], 3_000)


@pytest.mark.usefixtures("with_logs")
@pytest.mark.parametrize(
    "bad",
    ["f/" + HUGE, "b/" + HUGE, "f/²", "b/²", "f/" + "9" * 4400, "f/-1", "x/1", "f/", "f/1\x00"],
)
def test_get_log_events_rejects_forged_tokens(client: TestClient, bad: str) -> None:
    body = {"logGroupName": OUTPUT_GROUP, "logStreamName": "jr_1", "nextToken": bad}
    rejected(log_call(client, "GetLogEvents", body), "nextToken", "InvalidParameterException")


@pytest.mark.usefixtures("with_logs")
@pytest.mark.parametrize("bad", ["e/" + HUGE, "e/²", "e/" + "1" * 4400])
def test_filter_log_events_rejects_forged_tokens(client: TestClient, bad: str) -> None:
    body = {"logGroupName": OUTPUT_GROUP, "nextToken": bad}
    rejected(log_call(client, "FilterLogEvents", body), "nextToken", "InvalidParameterException")


@pytest.mark.usefixtures("with_logs")
@pytest.mark.parametrize("bad", ["o/" + HUGE, "o/²"])
def test_describe_log_streams_rejects_forged_tokens(client: TestClient, bad: str) -> None:
    body = {"logGroupName": OUTPUT_GROUP, "nextToken": bad}
    rejected(log_call(client, "DescribeLogStreams", body), "nextToken", "InvalidParameterException")


@pytest.mark.parametrize("query", [f"after={HUGE}", "after=²", "limit=" + "9" * 5000, "after=-1"])
def test_events_feed_rejects_cursors_beyond_the_store(client: TestClient, query: str) -> None:
    response = client.get(f"/events?{query}")
    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidInputException"
    assert client.get("/events?after=0").status_code == 200


# -- NUL characters: PostgreSQL text cannot hold them ----------------------------------------
def test_nul_in_tags_is_refused(client: TestClient) -> None:
    assert call(client, "CreateJob", spark_job(Tags={"a\x00": "v"})).status_code == 400
    rejected(call(client, "CreateJob", spark_job(Tags={"k": "v\x00"})), "tags")
    assert call(client, "CreateJob", spark_job()).status_code == 200
    arn = "arn:aws:glue:us-east-1:123456789012:job/etl"
    rejected(
        call(client, "TagResource", {"ResourceArn": arn, "TagsToAdd": {"k": "\x00"}}), "tagsToAdd"
    )
    reads_work(client)


@pytest.mark.parametrize("op", ["GetJobBookmark", "ResetJobBookmark", "GetJobBookmarks"])
def test_nul_in_a_bookmark_job_name_is_refused(client: TestClient, op: str) -> None:
    rejected(call(client, op, {"JobName": "j\x00"}), "jobName")
    reads_work(client)


def test_nul_in_a_log_stream_name_is_refused(client: TestClient) -> None:
    body = {"logGroupName": OUTPUT_GROUP, "logStreamName": "jr\x00"}
    rejected(log_call(client, "GetLogEvents", body), "logStreamName", "InvalidParameterException")
    body = {"logGroupName": OUTPUT_GROUP, "logStreamNamePrefix": "\x00"}
    rejected(
        log_call(client, "DescribeLogStreams", body),
        "logStreamNamePrefix",
        "InvalidParameterException",
    )


# -- request bodies ---------------------------------------------------------------------------
def test_an_oversized_body_is_413_and_nothing_is_kept(store: Stores, clock: FakeClock) -> None:
    service = GlueService(store, clock, "us-east-1", "123456789012")
    with TestClient(build_app(service, max_body=1024)) as small:
        response = call(small, "CreateJob", spark_job(Description="d" * 2000))
        assert response.status_code == 413
        assert response.json()["__type"] == "RequestEntityTooLargeException"
        assert response.headers["connection"] == "close"
        assert call(small, "ListJobs", {}).json()["JobNames"] == []
        assert call(small, "CreateJob", spark_job()).status_code == 200
