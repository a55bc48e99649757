#!/usr/bin/env python
"""Data Catalog benchmark: GetPartitions filtered on the server next to listing everything.

A table with --years x 12 months x --days partitions (string year, int month, int day keys) on
a SQLite store in a temp dir, driven through the API app in process (Starlette's TestClient,
so validation, the wire shape and JSON are counted; no sockets). Three figures, medians of
--repeat runs:

1. baseline   GetPartitions without Expression, every page (MaxResults 1000), then the
              client keeps one month's partitions itself (what a client without server-side
              filtering must do);
2. filtered   GetPartitions with Expression "year = '<y>' AND month = 7", every page;
3. load       BatchCreatePartition of the whole table, 100 per call, in partitions/s.

The ratio baseline / filtered is what server-side filtering saves a reader such as awsglue's
catalogPartitionPredicate. Both listings return the same partitions (checked).

    .venv/bin/python bench/bench_catalog.py [--years 10] [--days 28] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from gluerun.api.app import build_app
from gluerun.clock import SystemClock
from gluerun.service import GlueService
from gluerun.store import open_store

TARGET = "AWSGlue.{}"


def call(client: TestClient, op: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        "/", content=json.dumps(body), headers={"X-Amz-Target": TARGET.format(op)}
    )
    answer: dict[str, Any] = response.json()
    if response.status_code != 200:
        raise RuntimeError(f"{op}: {answer}")
    return answer


def all_pages(client: TestClient, expression: str | None) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"DatabaseName": "bench", "TableName": "events", "MaxResults": 1000}
    if expression:
        body["Expression"] = expression
    found: list[dict[str, Any]] = []
    while True:
        answer = call(client, "GetPartitions", body)
        found.extend(answer["Partitions"])
        if not answer.get("NextToken"):
            return found
        body["NextToken"] = answer["NextToken"]


def load(client: TestClient, years: int, days: int) -> tuple[int, float]:
    call(client, "CreateDatabase", {"DatabaseInput": {"Name": "bench"}})
    keys = [
        {"Name": "year", "Type": "string"},
        {"Name": "month", "Type": "int"},
        {"Name": "day", "Type": "int"},
    ]
    table = {
        "Name": "events",
        "PartitionKeys": keys,
        "StorageDescriptor": {"Location": "s3://b/e/"},
    }
    call(client, "CreateTable", {"DatabaseName": "bench", "TableInput": table})
    values = [
        [str(2000 + y), str(m), str(d)]
        for y in range(years)
        for m in range(1, 13)
        for d in range(1, days + 1)
    ]
    start = time.perf_counter()
    for first in range(0, len(values), 100):
        inputs = [
            {"Values": v, "StorageDescriptor": {"Location": f"s3://b/e/{'/'.join(v)}/"}}
            for v in values[first : first + 100]
        ]
        call(
            client,
            "BatchCreatePartition",
            {"DatabaseName": "bench", "TableName": "events", "PartitionInputList": inputs},
        )
    return len(values), time.perf_counter() - start


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gluerun-bench-catalog-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'gluerun.db'}")
        try:
            service = GlueService(store, SystemClock(), "us-east-1", "123456789012")
            with TestClient(build_app(service)) as client:
                count, load_seconds = load(client, args.years, args.days)
                year = str(2000 + args.years // 2)
                expression = f"year = '{year}' AND month = 7"

                def baseline() -> list[dict[str, Any]]:
                    return [
                        p
                        for p in all_pages(client, None)
                        if p["Values"][0] == year and p["Values"][1] == "7"
                    ]

                base_s, base = timed(baseline, args.repeat)
                filt_s, filt = timed(lambda: all_pages(client, expression), args.repeat)
        finally:
            store.close()
    assert [p["Values"] for p in base] == [p["Values"] for p in filt], "listings differ"
    print(f"partitions               {count}")
    print(f"load (BatchCreate, 100)  {count / load_seconds:,.0f} partitions/s")
    print(f"baseline: list all, filter in the client  {base_s * 1000:8.1f} ms ({len(base)} kept)")
    print(
        f"filtered: Expression on the server       {filt_s * 1000:8.1f} ms ({len(filt)} returned)"
    )
    print(f"ratio baseline / filtered                 {base_s / filt_s:8.1f}x")


if __name__ == "__main__":
    main()
