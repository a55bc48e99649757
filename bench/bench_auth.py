"""What the auth layer (api/auth.py) costs per request, as ratios to the same call unguarded.

In process, no network: the ASGI app answers GetJob (answered on the event loop, SQLite in
memory) N times in each of three set-ups, built in the same call:

- baseline: no guard at all (what in-process tests use);
- anonymous: the default server's guard (Host check only);
- signed: a credentials file's guard, each request SigV4-signed by botocore beforehand and
  verified by gluerun (signing is not timed; verification is).

    .venv/bin/python bench/bench_auth.py [--calls 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from typing import Any

import orjson
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from gluerun.api.app import build_app
from gluerun.api.auth import Guard
from gluerun.clock import SystemClock
from gluerun.credentials import Principal
from gluerun.service import GlueService
from gluerun.store import open_store
from gluerun.testing import make_job

HOST = "127.0.0.1:4577"
BODY = orjson.dumps({"JobName": "bench"})
BASE_HEADERS = {"X-Amz-Target": "AWSGlue.GetJob", "Content-Type": "application/x-amz-json-1.1"}


def signed_headers() -> list[tuple[bytes, bytes]]:
    request = AWSRequest(method="POST", url=f"http://{HOST}/", data=BODY, headers=BASE_HEADERS)
    request.headers["Host"] = HOST
    SigV4Auth(Credentials("AKIABENCH", "secret"), "glue", "us-east-1").add_auth(request)
    return [(k.lower().encode(), v.encode()) for k, v in request.headers.items()]


def plain_headers() -> list[tuple[bytes, bytes]]:
    headers = {**BASE_HEADERS, "Host": HOST}
    return [(k.lower().encode(), v.encode()) for k, v in headers.items()]


async def drive(app: Any, headers: Sequence[tuple[bytes, bytes]], calls: int) -> float:
    """Seconds per call of `app` answering GetJob; fails loudly on anything but a 200."""
    scope = {
        "type": "http", "method": "POST", "path": "/", "raw_path": b"/", "query_string": b"",
        "scheme": "http", "headers": list(headers),
    }  # fmt: skip
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.perf_counter()
    for _ in range(calls):
        await app(dict(scope), receive, send)
    elapsed = time.perf_counter() - started
    if set(statuses) != {200}:
        raise SystemExit(f"unexpected statuses {sorted(set(statuses))}")
    return elapsed / calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    calls = parser.parse_args().calls
    store = open_store("sqlite://")
    clock = SystemClock()
    service = GlueService(store, clock, "us-east-1", "123456789012")
    service.create_job(make_job("bench"), {})
    keys = {"AKIABENCH": Principal("AKIABENCH", "secret", "arn:aws:iam::123456789012:user/b")}
    setups = {
        "baseline": (None, plain_headers()),
        "anonymous": (Guard("us-east-1", "123456789012", clock), plain_headers()),
        "signed": (Guard("us-east-1", "123456789012", clock, keys=keys), signed_headers()),
    }
    results: dict[str, float] = {}
    for name, (guard, headers) in setups.items():
        app = build_app(service, inline_reads=True, guard=guard)
        asyncio.run(drive(app, headers, calls // 10))  # warm-up
        results[name] = asyncio.run(drive(app, headers, calls))
    base = results["baseline"]
    for name, seconds in results.items():
        print(f"{name:10s} {seconds * 1e6:8.1f} µs/call   x{seconds / base:.2f} of baseline")
    store.close()


if __name__ == "__main__":
    main()
