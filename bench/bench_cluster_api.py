#!/usr/bin/env python
"""StartJobRun and GetJobRun throughput with 1, 2 and 3 API-only nodes on one PostgreSQL.

Each configuration gets a PostgreSQL schema of its own and N `gluerun serve` nodes with
GLUERUN_ENGINE=false (runs stay STARTING: this measures the API and the store, not job
processes). --clients forked client processes (raw keep-alive HTTP, as bench_core.py) are spread
round-robin over the nodes and call for --seconds; the figure is the sum of successful calls per
second, and the ratio to the 1-node figure measured in the same call. On a small machine the
nodes, the clients and PostgreSQL share the same cores, so the ratios show the cost of more
nodes there, not the scaling of separate machines.

    .venv/bin/python bench/bench_cluster_api.py [--nodes 1,2,3] [--clients 6] [--seconds 5]
                                                 [--dsn URL]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from _common import Raw, create_job, enc, gluerun_server, run_load, start_bodies
from bench_queue import drop_schema, pg_schema_url

JOB = "bench-cluster"


def split(bodies: list[list[bytes]], parts: int) -> list[list[list[bytes]]]:
    return [bodies[i::parts] for i in range(parts)]


def concurrent_load(
    servers: list[Any], op: str, bodies: list[list[bytes]], seconds: float
) -> float:
    """Successful calls per second over all nodes, each node's clients running at once."""
    rates: list[float] = []
    errors: list[BaseException] = []

    def one(server: Any, share: list[list[bytes]]) -> None:
        try:
            result = run_load(server, op, share, seconds, 10**9)
            if result["errors"]:
                raise RuntimeError(f"{server.name}: {result['error_kinds']}")
            rates.append(float(result["ok_per_s"]))
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=one, args=(server, share))
        for server, share in zip(servers, split(bodies, len(servers)), strict=True)
        if share
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(rates)


def bench_nodes(n: int, dsn: str, workdir: Path, clients: int, seconds: float) -> dict[str, float]:
    schema = f"bench_cluster_{n}_{secrets.token_hex(4)}"
    url = pg_schema_url(dsn, schema)
    servers = []
    try:
        for i in range(n):
            server = gluerun_server(f"api{n}-{i}", workdir, engine=False)
            server.env["GLUERUN_DATABASE_URL"] = url
            servers.append(server.start())
        create_job(servers[0].port, JOB, "/nonexistent/script.py", 10**6)
        starts = concurrent_load(servers, "StartJobRun", start_bodies(JOB, clients), seconds)
        # GetJobRun of one run started here, from every node
        raw = Raw(servers[0].port)
        try:
            run_id = raw.call("StartJobRun", {"JobName": JOB})["JobRunId"]
        finally:
            raw.close()
        gets = [[enc({"JobName": JOB, "RunId": run_id})] for _ in range(clients)]
        reads = concurrent_load(servers, "GetJobRun", gets, seconds)
        return {"StartJobRun": starts, "GetJobRun": reads}
    finally:
        for server in servers:
            server.stop()
        drop_schema(dsn, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", default="1,2,3")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--dsn", default=os.environ.get("GLUERUN_TEST_PG_DSN", ""))
    args = parser.parse_args()
    if not args.dsn:
        sys.exit("bench_cluster_api: needs PostgreSQL (--dsn or GLUERUN_TEST_PG_DSN)")
    counts = [int(n) for n in args.nodes.split(",")]
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            results[n] = bench_nodes(n, args.dsn, Path(tmp), args.clients, args.seconds)
    base = results[counts[0]]
    print(f"API nodes on one PostgreSQL ({args.clients} clients, {args.seconds:g} s per op)")
    print("nodes  StartJobRun/s  ratio   GetJobRun/s  ratio")
    for n, res in results.items():
        s, g = res["StartJobRun"], res["GetJobRun"]
        print(
            f"{n:>5}  {s:>13.0f}  {s / base['StartJobRun']:>5.2f}"
            f"  {g:>12.0f}  {g / base['GetJobRun']:>5.2f}"
        )


if __name__ == "__main__":
    main()
