#!/usr/bin/env python
"""StartJobRun into a queue: throughput at 0, 10,000 and 100,000 WAITING runs (see README.md).

A job with MaxConcurrentRuns=1 and JobRunQueuingEnabled has its one slot busy (a run sleeping
for an hour), so every StartJobRun queues a WAITING run, and the engine (on: this is what its
admission pass costs) looks at the queue on every pass. Per store (SQLite, PostgreSQL):

1. StartJobRun/s for --seconds from --clients processes with (nearly) no runs waiting.
2. The server is stopped, WAITING runs are added straight into the store up to 10,000 (filling
   through the API would take minutes), the server restarts, and StartJobRun/s is measured again.
3. The same at 100,000.

Each level's rate is the median of --repeat loads, given as a ratio to level 0 of the same
store in the same call. moto_server (the baseline of bench_core.py; it has no queue and runs
nothing) is measured on the same load.

    .venv/bin/python bench/bench_queue.py [--levels 0,10000,100000] [--seconds 5] [--clients 2]
                                          [--repeat 3] [--stores sqlite,postgres] [--dsn URL]
                                          [--json PATH]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import (
    RESULTS,
    Raw,
    Server,
    gluerun_server,
    log,
    moto_server,
    run_load,
    start_bodies,
    strip,
)
from sqlalchemy import create_engine, text, update

from gluerun.model.runs import RunState
from gluerun.store import codec, open_store
from gluerun.store.database import normalize_url
from gluerun.store.tables import jobs, runs

JOB = "queued"
BATCH = 5000


def create_queued_job(port: int, script: str) -> None:
    raw = Raw(port)
    try:
        raw.call(
            "CreateJob",
            {
                "Name": JOB,
                "Role": "arn:aws:iam::123456789012:role/bench",
                "Command": {"Name": "pythonshell", "ScriptLocation": script},
                "ExecutionProperty": {"MaxConcurrentRuns": 1},
                "JobRunQueuingEnabled": True,
            },
        )
        raw.call("StartJobRun", {"JobName": JOB})  # takes the one slot for an hour
    finally:
        raw.close()


def waiting_count(url: str) -> int:
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            query = text("SELECT waiting_runs FROM jobs WHERE name = :name")
            return int(conn.execute(query, {"name": JOB}).scalar() or 0)
    finally:
        engine.dispose()


def fill_waiting(url: str, target: int) -> int:
    """Add WAITING runs of the job straight into the store until `target` wait; returns count."""
    store = open_store(url)
    try:
        job = store.runs.get_job(JOB)
        assert job is not None
        page = store.runs.list_runs(job.job_id, None, 50)
        template = next(r for r in page.runs if r.state is RunState.WAITING)
        have = waiting_count(url)
        missing = max(0, target - have)
        with store.db.engine.begin() as conn:
            for start in range(0, missing, BATCH):
                rows = []
                for _ in range(min(BATCH, missing - start)):
                    run = dataclasses.replace(template, id="jr_" + secrets.token_hex(32))
                    rows.append(
                        {
                            "id": run.id,
                            "job_id": job.job_id,
                            "state": RunState.WAITING.value,
                            "node_id": None,
                            "started_on": run.started_on,
                            "doc": codec.dump_run(run),
                        }
                    )
                conn.execute(runs.insert(), rows)
            conn.execute(
                update(jobs)
                .where(jobs.c.name == JOB)
                .values(waiting_runs=jobs.c.waiting_runs + missing)
            )
        return missing
    finally:
        store.close()


def measure(server: Server, seconds: float, clients: int, repeat: int) -> dict[str, Any]:
    """The median (by rate) of `repeat` loads: the shared box is noisy."""
    results = []
    for _ in range(repeat):
        result = run_load(server, "StartJobRun", start_bodies(JOB, clients), seconds, 10**9)
        if result["errors"]:
            raise RuntimeError(f"{server.name}: errors {result['error_kinds']}")
        results.append(strip(result))
    results.sort(key=lambda r: float(r["ok_per_s"]))
    median = results[len(results) // 2]
    median["rates"] = [r["ok_per_s"] for r in results]
    return median


def bench_store(
    label: str, url: str, workdir: Path, levels: list[int], args: argparse.Namespace
) -> dict[str, Any]:
    script = workdir / "sleep.py"
    script.write_text("import time\ntime.sleep(3600)\n")
    server = gluerun_server(label, workdir, True, "" if url.startswith("sqlite") else url)
    out: dict[str, Any] = {"levels": []}
    try:
        server.start()
        create_queued_job(server.port, str(script))
        for level in levels:
            if level:
                server.stop()
                added = fill_waiting(url, level)
                log(f"{label}: added {added} WAITING runs")
                server.start()
            before = waiting_count(url)
            result = measure(server, args.seconds, args.clients, args.repeat)
            result["waiting_before"] = before
            out["levels"].append(result)
            log(f"{label}: {before} waiting → {result['ok_per_s']} StartJobRun/s")
    finally:
        server.stop()
        kill_strays(workdir)
    base = out["levels"][0]["ok_per_s"]
    for result in out["levels"]:
        result["ratio_to_0"] = round(result["ok_per_s"] / base, 3) if base else None
    return out


def kill_strays(workdir: Path) -> None:
    """Job processes (the slot holders) run with their run directory under workdir as cwd."""
    root = str(workdir.resolve())
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if os.readlink(proc / "cwd").startswith(root):
                    os.kill(int(proc.name), 9)
            except OSError:
                continue


def bench_moto(workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    server = moto_server(workdir)
    try:
        server.start()
        create_queued_job(server.port, "/tmp/none.py")
        return measure(server, args.seconds, args.clients, args.repeat)
    finally:
        server.stop()


def pg_schema_url(dsn: str, schema: str) -> str:
    """The DSN with its search_path set to `schema` (created here), so the bench has its own."""
    engine = create_engine(normalize_url(dsn))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in dsn else "?"
    return f"{dsn}{sep}options=-csearch_path%3D{schema}"


def drop_schema(dsn: str, schema: str) -> None:
    engine = create_engine(normalize_url(dsn))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def table(results: dict[str, Any]) -> str:
    lines = ["store      waiting   StartJobRun/s  ratio to 0  server CPU ms/call"]
    for label, res in results.items():
        if label == "moto":
            lines.append(f"moto       -         {res['ok_per_s']:>13}  -")
            continue
        for level in res["levels"]:
            lines.append(
                f"{label:<10} {level['waiting_before']:<9} {level['ok_per_s']:>13}"
                f"  {level['ratio_to_0']:>10}  {level['server_cpu_ms_per_call']:>18}"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default="0,10000,100000")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--dsn", default=os.environ.get("GLUERUN_TEST_PG_DSN", ""))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        workdir = Path(tmp)
        for store in args.stores.split(","):
            if store == "sqlite":
                url = f"sqlite:///{workdir / 'sqlite-data' / 'gluerun.db'}"
                results["sqlite"] = bench_store("sqlite", url, workdir, levels, args)
            elif store == "postgres":
                if not args.dsn:
                    sys.exit("postgres: give --dsn or GLUERUN_TEST_PG_DSN")
                schema = f"bench_queue_{secrets.token_hex(4)}"
                url = pg_schema_url(args.dsn, schema)
                try:
                    results["postgres"] = bench_store("postgres", url, workdir, levels, args)
                finally:
                    drop_schema(args.dsn, schema)
        results["moto"] = bench_moto(workdir, args)
    print(table(results))
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.json or RESULTS / f"queue-{stamp}.json"
    path.write_text(json.dumps({"args": vars(args) | {"json": None}, "results": results}, indent=1))
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
