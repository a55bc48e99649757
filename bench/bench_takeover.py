#!/usr/bin/env python
"""Takeover time after kill -9 of a node: how long a lost node's runs stay RUNNING.

Two `gluerun serve` nodes on one PostgreSQL schema of their own, each with --lease seconds of
lease. Per trial: node A alone starts --runs runs of a job that sleeps, they reach RUNNING,
node B starts, then A's server and its job processes get SIGKILL (a lost machine). The figure
is the time from the kill until B's API reports every one of A's runs FAILED (polled every
20 ms), given in seconds and as a ratio to the lease (the design bound is lease + ~1 s of
scan interval, so ratios slightly above 1.0 are expected).

    .venv/bin/python bench/bench_takeover.py [--trials 3] [--runs 3] [--lease 5] [--dsn URL]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from bench_queue import drop_schema, pg_schema_url  # noqa: E402
from live_server import Server, kill_strays, wait_state  # noqa: E402

JOB = "import time\ntime.sleep(120)\n"


def node(base: Path, name: str, url: str, lease: float) -> Server:
    (base / name).mkdir(parents=True)
    env = {
        "GLUERUN_DATABASE_URL": url,
        "GLUERUN_NODE_ID": name,
        "GLUERUN_NODE_LEASE_SECONDS": str(lease),
    }
    server = Server(base / name / "data", env=env)
    server.start()
    return server


def trial(base: Path, url: str, lease: float, runs: int, index: int) -> float:
    a = node(base, f"a{index}", url, lease)
    b: Server | None = None
    try:
        glue = a.client()
        job = f"sleeper{index}"
        script = base / f"{job}.py"
        script.write_text(JOB)
        glue.create_job(
            Name=job,
            Role="r",
            Command={"Name": "pythonshell", "ScriptLocation": str(script)},
            ExecutionProperty={"MaxConcurrentRuns": runs},
        )
        ids = [glue.start_job_run(JobName=job)["JobRunId"] for _ in range(runs)]
        for run_id in ids:
            wait_state(glue, job, run_id, {"RUNNING"}, timeout=60)
        b = node(base, f"b{index}", url, lease)
        killed = time.monotonic()
        a.stop(signal.SIGKILL)
        kill_strays(a.data_dir)
        glue_b = b.client()
        for run_id in ids:
            run = wait_state(glue_b, job, run_id, {"FAILED"}, timeout=lease * 3 + 30)
            assert f"a{index}" in run["ErrorMessage"], run["ErrorMessage"]
        return time.monotonic() - killed
    finally:
        for server in (a, b):
            if server is not None and server.proc is not None:
                server.stop(signal.SIGKILL)
            if server is not None:
                kill_strays(server.data_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lease", type=float, default=5.0)
    parser.add_argument("--dsn", default=os.environ.get("GLUERUN_TEST_PG_DSN", ""))
    args = parser.parse_args()
    if not args.dsn:
        sys.exit("bench_takeover: needs PostgreSQL (--dsn or GLUERUN_TEST_PG_DSN)")
    schema = f"bench_takeover_{secrets.token_hex(4)}"
    url = pg_schema_url(args.dsn, schema)
    times: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for index in range(args.trials):
                times.append(trial(Path(tmp), url, args.lease, args.runs, index))
    finally:
        drop_schema(args.dsn, schema)
    report(times, args.lease, args.runs)


def report(times: list[float], lease: float, runs: int) -> None:
    def row(label: str, value: float) -> str:
        return f"{label:<8}{value:>8.2f} s{value / lease:>8.2f} x lease"

    print(f"takeover after kill -9 ({len(times)} trials, {runs} runs each, lease {lease:g} s)")
    print(row("median", statistics.median(times)))
    print(row("max", max(times)))
    data: dict[str, Any] = {"lease": lease, "runs": runs, "seconds": times}
    print(data)


if __name__ == "__main__":
    main()
