#!/usr/bin/env python
"""Executions per StartJobRun when the server is killed with SIGKILL in the launch window.

The scenario of issue 11: a burst of --runs StartJobRun calls of a job whose script sleeps
--job-seconds (MaxRetries=1), then kill -9 of the server --kill-after seconds later (uniform in
the range), then a restart; repeated --trials times per store. Every job execution appends to a
ledger, so the figure is counted from what really ran, not from what the server says.

Per store it prints: StartJobRun calls, executions, executions per StartJobRun (1.000 means
none ran twice and none was lost), StartJobRun calls whose job ran more than once (a retry
attempt of a run whose process in fact succeeded counts), runs left non-final a minute after
the restart, and runs not SUCCEEDED (the scripts never fail, so any is a wrong final state).

    .venv/bin/python bench/bench_faults.py [--trials 10] [--runs 20] [--job-seconds 2]
                                           [--kill-after 0.05,0.2] [--stores sqlite,postgres]
                                           [--seed N] [--dsn URL] [--json PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "faults"))

from _common import RESULTS, log  # noqa: E402
from bench_queue import drop_schema, pg_schema_url  # noqa: E402
from fault_support import (  # noqa: E402
    Ledger,
    all_runs,
    cleanup,
    create_ledger_job,
    kill9,
    ledger_script,
)
from live_server import FINAL, Server  # noqa: E402

SETTLE_SECONDS = 60.0


def settle(glue: Any, job: str, expected: int) -> tuple[dict[str, dict[str, Any]], int]:
    """The job's runs once all are final (or after SETTLE_SECONDS), and how many were not."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        runs = all_runs(glue, job)
        stuck = sum(1 for run in runs.values() if run["JobRunState"] not in FINAL)
        if (not stuck and len(runs) >= expected) or time.monotonic() > deadline:
            return runs, stuck
        time.sleep(0.2)


def trial(
    server: Server, job: str, runs: int, kill_after: float, job_seconds: float
) -> tuple[list[str], dict[str, dict[str, Any]], int]:
    glue = server.client()
    started = [glue.start_job_run(JobName=job)["JobRunId"] for _ in range(runs)]
    time.sleep(kill_after)
    kill9(server)
    server.start()
    time.sleep(job_seconds)
    found, stuck = settle(server.client(), job, len(started))
    return started, found, stuck


def bench_store(label: str, url: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    low, high = (float(x) for x in args.kill_after.split(","))
    data = workdir / f"{label}-data"
    env = {"GLUERUN_DATABASE_URL": url} if url else {}
    server = Server(data, env=env)
    totals = {"start_job_run_calls": 0, "executions": 0, "non_final": 0, "not_succeeded": 0}
    twice = 0
    try:
        server.start()
        for n in range(args.trials):
            ledger = workdir / f"{label}-ledger-{n}"
            job = f"burst{n}"
            scripts = workdir / f"{label}-{n}"
            scripts.mkdir()
            script = ledger_script(scripts, ledger, args.job_seconds)
            create_ledger_job(server.client(), job, script, max_retries=1)
            started, found, stuck = trial(
                server, job, args.runs, rng.uniform(low, high), args.job_seconds
            )
            seen = Ledger.read(ledger)
            totals["start_job_run_calls"] += len(started)
            totals["executions"] += sum(seen.starts.values())
            totals["non_final"] += stuck
            totals["not_succeeded"] += sum(
                1 for run in found.values() if run["JobRunState"] != "SUCCEEDED"
            )
            roots = Counter(run.split("_attempt_")[0] for run in seen.starts.elements())
            twice += sum(1 for count in roots.values() if count > 1)
            log(f"{label} trial {n}: {len(started)} starts, {sum(seen.starts.values())} runs")
    finally:
        cleanup(server)
    calls = totals["start_job_run_calls"]
    totals["executions_per_start"] = round(totals["executions"] / calls, 3) if calls else None
    totals["runs_executed_twice"] = twice
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--job-seconds", type=float, default=2.0)
    parser.add_argument("--kill-after", default="0.05,0.2")
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=random.SystemRandom().randrange(2**31))
    parser.add_argument("--dsn", default=os.environ.get("GLUERUN_TEST_PG_DSN", ""))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    # The servers inherit this environment: only the bench's own settings may reach them.
    for key in [k for k in os.environ if k.startswith("GLUERUN_") and k != "GLUERUN_TEST_PG_DSN"]:
        del os.environ[key]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        workdir = Path(tmp)
        for store in args.stores.split(","):
            if store == "sqlite":
                results["sqlite"] = bench_store("sqlite", "", workdir, args)
            elif store == "postgres":
                if not args.dsn:
                    sys.exit("postgres: give --dsn or GLUERUN_TEST_PG_DSN")
                schema = f"bench_faults_{secrets.token_hex(4)}"
                try:
                    url = pg_schema_url(args.dsn, schema)
                    results["postgres"] = bench_store("postgres", url, workdir, args)
                finally:
                    drop_schema(args.dsn, schema)
    print(f"seed {args.seed}; {args.trials} trials x {args.runs} runs; kill -9 {args.kill_after} s")
    print("store      starts  executions  per start  twice  non-final  not SUCCEEDED")
    for label, r in results.items():
        print(
            f"{label:<10} {r['start_job_run_calls']:>6}  {r['executions']:>10}"
            f"  {r['executions_per_start']:>9}  {r['runs_executed_twice']:>5}"
            f"  {r['non_final']:>9}  {r['not_succeeded']:>13}"
        )
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.json or RESULTS / f"faults-{stamp}.json"
    path.write_text(json.dumps({"args": vars(args) | {"json": None}, "results": results}, indent=1))
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
