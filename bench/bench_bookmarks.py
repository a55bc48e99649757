#!/usr/bin/env python
"""Bookmark benchmark: an hourly-style JDBC copy job, incremental next to a full re-read.

A PostgreSQL table holds --rows rows. Two glueetl jobs run the same script (read the table
through Glue's JDBC source, append what was read to Parquet): ``incremental`` with
``job-bookmark-enable``, ``full`` with bookmarks off (the baseline, what a job without
bookmarks does). After one un-counted run of each (the incremental one reads everything and
commits its first bookmark), each round inserts --new rows, then runs both jobs, timed from
StartJobRun to SUCCEEDED. The incremental run must read exactly the new rows (checked).

Needs the machine's PostgreSQL (GLUERUN_TEST_PG_DSN or --dsn) and its JDBC driver
(Debian's libpostgresql-jdbc-java). The server is stopped by its pid and the schema dropped
in finally blocks.

    .venv/bin/python bench/bench_bookmarks.py [--rows 1000000] [--new 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from bench_spark import glue_client, run_to_end, start_server, stop_server

SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "url", "out"])
glueContext = GlueContext(SparkContext())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
frame = glueContext.create_data_frame.from_options(
    connection_type="postgresql",
    connection_options={"url": args["url"], "user": "postgres", "dbtable": "events"},
    transformation_ctx="events",
).cache()
frame.write.mode("append").parquet(args["out"] + "/data")
with open(args["out"] + "/" + args["JOB_RUN_ID"], "w") as out:
    out.write(str(frame.count()))
job.commit()
"""


def timed_run(glue: Any, job: str, out: Path) -> tuple[float, int]:
    """One run of `job`: its wall time and how many rows it read."""
    elapsed, run_id = run_to_end(glue, job)
    return elapsed, int((out / run_id).read_text())


def jdbc_url(dsn: str, schema: str) -> str:
    parts = urlsplit(dsn)
    return (
        f"jdbc:postgresql://{parts.hostname}:{parts.port or 5432}{parts.path}"
        f"?user={parts.username or 'postgres'}&currentSchema={schema}"
    )


def execute(dsn: str, schema: str, sql: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {schema}")
        conn.execute(sql)


def insert(dsn: str, schema: str, count: int) -> None:
    execute(
        dsn,
        schema,
        "INSERT INTO events (amount, note) SELECT g % 1000, md5(g::text) "
        f"FROM generate_series(1, {count}) g",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dsn", default=os.environ.get("GLUERUN_TEST_PG_DSN", ""))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not args.dsn:
        sys.exit("give --dsn or GLUERUN_TEST_PG_DSN (postgresql://postgres@127.0.0.1:5432/test)")
    schema = f"bench_bm_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        execute(
            args.dsn,
            schema,
            "CREATE TABLE events (id bigserial PRIMARY KEY, amount int, note text)",
        )
        insert(args.dsn, schema, args.rows)
        results = run_rounds(args, schema)
    finally:
        with psycopg.connect(args.dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    incremental, full = (statistics.median(results[k]) for k in ("incremental", "full"))
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "rows": args.rows,
        "new_rows_per_round": args.new,
        "rounds": args.rounds,
        "seconds": {k: [round(x, 2) for x in v] for k, v in results.items()},
        "p50": {"incremental": round(incremental, 2), "full": round(full, 2)},
        "full_over_incremental": round(full / incremental, 2),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


def run_rounds(args: argparse.Namespace, schema: str) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="gluerun-bench-bm-") as tmp:
        base = Path(tmp)
        script = base / "copy_events.py"  # not copy.py: it would shadow the stdlib module
        script.write_text(SCRIPT)
        proc, endpoint = start_server(base / "data", base / "server.log")
        try:
            glue = glue_client(endpoint)
            outs = {}
            for job, option in (("incremental", "enable"), ("full", "disable")):
                outs[job] = base / job
                outs[job].mkdir()
                glue.create_job(
                    Name=job,
                    Role="bench",
                    Command={"Name": "glueetl", "ScriptLocation": str(script)},
                    DefaultArguments={
                        "--job-bookmark-option": f"job-bookmark-{option}",
                        "--url": jdbc_url(args.dsn, schema),
                        "--out": str(outs[job]),
                    },
                )
                timed_run(glue, job, outs[job])  # warm-up; the incremental one reads all
            results: dict[str, list[float]] = {"incremental": [], "full": []}
            total = args.rows
            for index in range(args.rounds):
                insert(args.dsn, schema, args.new)
                total += args.new
                for job, expected in (("incremental", args.new), ("full", total)):
                    seconds, read = timed_run(glue, job, outs[job])
                    if read != expected:
                        raise RuntimeError(f"{job} read {read} rows, expected {expected}")
                    results[job].append(seconds)
                    print(f"round {index + 1} {job}: {seconds:.2f} s", file=sys.stderr)
            return results
        finally:
            stop_server(proc)


if __name__ == "__main__":
    main()
