#!/usr/bin/env python
"""In-process cost breakdown of GetJobRun / StartJobRun / GetJobRuns (no HTTP, no load).

Builds the app with gluerun.api.app.build_app over a store from gluerun.store.open_store
(SQLite in a temp dir), stores --runs STARTING runs for one job, then times each layer:
the ASGI app (Starlette + threadpool hop, no HTTP parsing), the operation handler, the
service, the store, and plain sqlite3 for the same query; plus a few candidate fixes measured
side by side (read without BEGIN, literal IN list, orjson's native dataclass dump).
With --cprofile, prints the top functions of each operation.

    .venv/bin/python bench/profile_inproc.py [--runs 10000] [--cprofile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import orjson

from gluerun.api import operations, validation
from gluerun.api.app import build_app
from gluerun.clock import SystemClock
from gluerun.service import GlueService
from gluerun.store import codec, open_store


def per_call_us(fn: Callable[[], Any], n: int, reps: int = 5) -> float:
    """Median over `reps` of the mean µs per call of n calls."""
    fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        out.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(out)


def asgi_caller(app: Any, op: str, body: bytes) -> Callable[[int], None]:
    """run(n): n requests through the ASGI app inside one event-loop run (as under uvicorn)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"content-type", b"application/x-amz-json-1.1"),
            (b"x-amz-target", f"AWSGlue.{op}".encode()),
            (
                b"authorization",
                b"AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/glue/aws4_request",
            ),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    loop = asyncio.new_event_loop()
    status = [0]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(msg: dict[str, Any]) -> None:
        if msg["type"] == "http.response.start":
            status[0] = msg["status"]

    async def batch(n: int) -> None:
        for _ in range(n):
            await app(dict(scope), receive, send)
            if status[0] != 200:
                raise RuntimeError(f"{op} -> {status[0]}")

    return lambda n: loop.run_until_complete(batch(n))


def asgi_us(app: Any, op: str, body: bytes, n: int, reps: int = 5) -> float:
    run = asgi_caller(app, op, body)
    run(min(n, 20))
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        run(n)
        out.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10000)
    ap.add_argument("--n", type=int, default=300, help="calls per timing repetition")
    ap.add_argument("--cprofile", action="store_true")
    args = ap.parse_args()

    d = tempfile.mkdtemp(prefix="gluerun-inproc-")
    db = f"{d}/gluerun.db"
    store = open_store(f"sqlite:///{db}")
    svc = GlueService(store, SystemClock(), "us-east-1", "123456789012")
    app = build_app(svc)
    job_def = {
        "Role": "r",
        "Command": {"Name": "pythonshell", "ScriptLocation": "/x.py", "PythonVersion": "3.9"},
        "MaxCapacity": 0.0625,
        "ExecutionProperty": {"MaxConcurrentRuns": 100000},
    }
    operations.create_job(svc, {"Name": "j", **job_def})
    operations.create_job(svc, {"Name": "empty", **job_def})
    first = operations.start_job_run(svc, {"JobName": "j"})["JobRunId"]

    # Copies of a real stored run (new ids) straight into the table: the fill through the
    # service would take minutes (StartJobRun slows down as active runs accumulate).
    raw = sqlite3.connect(db)
    row = raw.execute("SELECT id, job_id, state, node_id, started_on, doc FROM runs").fetchone()
    rows = []
    for i in range(args.runs - 1):
        rid = first[:-8] + f"{i:08x}"
        rows.append((rid, row[1], row[2], row[3], row[4], row[5].replace(first, rid)))
    raw.executemany(
        "INSERT INTO runs (id, job_id, state, node_id, started_on, doc) VALUES (?,?,?,?,?,?)", rows
    )
    raw.commit()
    job_id = row[1]
    rid = rows[len(rows) // 2][0]
    doc = row[5]
    run = codec.load_run(doc)
    get_body = {"JobName": "j", "RunId": rid}
    page_body = {"JobName": "j", "MaxResults": 200}
    n = args.n
    res: dict[str, float] = {}

    # GetJobRun, layer by layer
    res["GetJobRun: ASGI app (Starlette+threadpool, no HTTP)"] = asgi_us(
        app, "GetJobRun", orjson.dumps(get_body), n
    )
    res["GetJobRun: validation.validate"] = per_call_us(
        lambda: validation.validate("GetJobRun", get_body), n
    )
    res["GetJobRun: operations.get_job_run"] = per_call_us(
        lambda: operations.get_job_run(svc, get_body), n
    )
    res["GetJobRun:   store.runs.get_job"] = per_call_us(lambda: store.runs.get_job("j"), n)
    res["GetJobRun:   store.runs.get_run"] = per_call_us(lambda: store.runs.get_run(job_id, rid), n)
    res["GetJobRun:   codec.load_run"] = per_call_us(lambda: codec.load_run(doc), n)
    res["GetJobRun:   shapes.run_to_wire + orjson.dumps"] = per_call_us(
        lambda: orjson.dumps(operations.shapes.run_to_wire(run)), n
    )
    res["GetJobRun: plain sqlite3, same SELECT (job by name, then run)"] = per_call_us(
        lambda: (
            raw.execute("SELECT doc FROM jobs WHERE name=?", ("j",)).fetchone(),
            raw.execute("SELECT doc FROM runs WHERE id=? AND job_id=?", (rid, job_id)).fetchone(),
        ),
        n,
    )
    res["GetJobRun: plain sqlite3, one JOIN"] = per_call_us(
        lambda: raw.execute(
            "SELECT runs.doc FROM runs JOIN jobs ON jobs.job_id = runs.job_id "
            "WHERE jobs.name=? AND runs.id=?",
            ("j", rid),
        ).fetchone(),
        n,
    )
    with store.db.engine.connect() as conn:
        from sqlalchemy import select

        from gluerun.store.tables import runs as runs_t

        q = select(runs_t.c.doc).where(runs_t.c.id == rid, runs_t.c.job_id == job_id)
        conn.execute(q).scalar()
        res["GetJobRun: SQLAlchemy execute on an open connection (no checkout/BEGIN)"] = (
            per_call_us(lambda: conn.execute(q).scalar(), n)
        )
        conn.rollback()

    # StartJobRun: admission count with all runs active, vs an empty job
    res[f"StartJobRun: ASGI app, job with {args.runs:,} active runs"] = asgi_us(
        app, "StartJobRun", b'{"JobName":"j"}', 20, 3
    )
    res["StartJobRun: ASGI app, job with <100 active runs"] = asgi_us(
        app, "StartJobRun", b'{"JobName":"empty"}', 20, 3
    )
    states = ("WAITING", "STARTING", "RUNNING", "STOPPING")
    bound = "SELECT state, count(*) FROM runs WHERE job_id=? AND state IN (?,?,?,?) GROUP BY state"
    literal = (
        "SELECT state, count(*) FROM runs WHERE job_id=? AND state IN "
        "('WAITING','STARTING','RUNNING','STOPPING') GROUP BY state"
    )
    res["StartJobRun:   _active_counts as SQLAlchemy sends it (bound IN list), sqlite3"] = (
        per_call_us(lambda: raw.execute(bound, (job_id, *states)).fetchall(), 20, 3)
    )
    res["StartJobRun:   same with a literal IN list (partial index usable), sqlite3"] = per_call_us(
        lambda: raw.execute(literal, (job_id,)).fetchall(), 20, 3
    )
    res["StartJobRun:   codec.dump_run (dataclasses.asdict + orjson)"] = per_call_us(
        lambda: codec.dump_run(run), n
    )
    res["StartJobRun:   orjson.dumps(run) (native dataclass support)"] = per_call_us(
        lambda: orjson.dumps(run), n
    )
    same = orjson.loads(orjson.dumps(run)) == orjson.loads(codec.dump_run(run))
    plans = {
        "bound": raw.execute("EXPLAIN QUERY PLAN " + bound, (job_id, *states)).fetchall(),
        "literal": raw.execute("EXPLAIN QUERY PLAN " + literal, (job_id,)).fetchall(),
    }

    # GetJobRuns: one page of 200
    res["GetJobRuns(200): ASGI app"] = asgi_us(app, "GetJobRuns", orjson.dumps(page_body), 20, 3)
    res["GetJobRuns(200): store.runs.list_runs"] = per_call_us(
        lambda: store.runs.list_runs(job_id, None, 200), 20, 3
    )
    res["GetJobRuns(200): plain sqlite3 SELECT + orjson.loads of each doc"] = per_call_us(
        lambda: [
            orjson.loads(r[0])
            for r in raw.execute(
                "SELECT doc FROM runs WHERE job_id=? ORDER BY seq DESC LIMIT 201", (job_id,)
            )
        ],
        20,
        3,
    )

    width = max(len(k) for k in res)
    print(f"{'what':<{width}}  µs/call")
    for k, v in res.items():
        print(f"{k:<{width}}  {v:9.1f}")
    print(f"\norjson.dumps(run) == codec.dump_run(run) as JSON: {same}")
    print(f"query plans: {plans}")

    if args.cprofile:
        for label, fn, count in (
            ("GetJobRun via ASGI app", asgi_caller(app, "GetJobRun", orjson.dumps(get_body)), 2000),
            (
                "StartJobRun via ASGI app (job with <100 active runs)",
                asgi_caller(app, "StartJobRun", b'{"JobName":"empty"}'),
                300,
            ),
            (
                "GetJobRuns(200) via ASGI app",
                asgi_caller(app, "GetJobRuns", orjson.dumps(page_body)),
                30,
            ),
        ):
            fn(5)
            pr = cProfile.Profile()
            pr.enable()
            fn(count)
            pr.disable()
            print(
                f"\n===== cProfile: {label}, {count} calls (threadpool work is in other threads: "
                "see the in-thread figures above) ====="
            )
            pstats.Stats(pr).sort_stats("tottime").print_stats(12)
        pr = cProfile.Profile()
        pr.enable()
        for _ in range(2000):
            operations.get_job_run(svc, get_body)
        pr.disable()
        print("\n===== cProfile: operations.get_job_run, 2000 calls (in this thread) =====")
        pstats.Stats(pr).sort_stats("tottime").print_stats(20)
        pr = cProfile.Profile()
        pr.enable()
        for _ in range(300):
            operations.start_job_run(svc, {"JobName": "empty"})
        pr.disable()
        print(
            "\n===== cProfile: operations.start_job_run (job with few active runs), 300 calls ====="
        )
        pstats.Stats(pr).sort_stats("tottime").print_stats(20)
    store.close()
    raw.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
