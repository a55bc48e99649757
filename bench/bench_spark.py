#!/usr/bin/env python
"""Spark benchmark: a trivial glueetl run through gluerun, cold, next to a bare spark-submit.

Every glueetl run starts a new driver JVM (no warm drivers yet). One script, three ways,
interleaved run by run so that background load hits each alike (see docs/spark.md):

1. gluerun     StartJobRun -> poll GetJobRun every 50 ms until SUCCEEDED (wall time).
2. bare        ``spark-submit --master local[N] trivial.py`` with Spark's defaults.
3. bare-tuned  the same with gluerun's start-up tuning (UI off, C1 JIT, SerialGC).

p50/min/max over --runs runs each, after one un-counted warm-up of each (page cache, .pyc).
The server is stopped by its pid in a finally block. Results are printed as JSON and, with
--out, written to a file.

    .venv/bin/python bench/bench_spark.py [--runs 10] [--out results.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from bench_core import prepared_runtimes
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
NCPU = os.cpu_count() or 1
TERMINAL = {"SUCCEEDED", "FAILED", "ERROR", "TIMEOUT", "STOPPED", "EXPIRED"}
TUNING = [
    "--conf",
    "spark.ui.enabled=false",
    "--conf",
    "spark.ui.showConsoleProgress=false",
    "--conf",
    "spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
]

TRIVIAL = """\
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("trivial").getOrCreate()
df = spark.createDataFrame([(i, str(i)) for i in range(1000)], ["id", "s"])
print("COUNT", df.count())
spark.stop()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(VENV_BIN / "gluerun"), "serve", "--port", str(port), "--data-dir", str(data_dir)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **prepared_runtimes("glueetl-5.0")},
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("gluerun serve did not start")


def glue_client(endpoint: str) -> Any:
    """A boto3 Glue client for a bench server: any credentials, no retries."""
    return boto3.client(
        "glue",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(retries={"max_attempts": 1}),
    )


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_to_end(glue: Any, job: str) -> tuple[float, str]:
    """StartJobRun, then GetJobRun every 50 ms until final: (wall seconds, run id).

    Raises:
        RuntimeError: the run did not succeed.
    """
    begin = time.perf_counter()
    run_id = glue.start_job_run(JobName=job)["JobRunId"]
    while True:
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if run["JobRunState"] in TERMINAL:
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - begin
    if run["JobRunState"] != "SUCCEEDED":
        raise RuntimeError(f"{job} {run_id}: {run['JobRunState']} {run.get('ErrorMessage')}")
    return elapsed, run_id


def gluerun_run(glue: Any) -> float:
    return run_to_end(glue, "trivial")[0]


def bare_run(script: Path, work: Path, extra: list[str]) -> float:
    submit = Path(sys.executable).parent / "spark-submit"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    begin = time.perf_counter()
    done = subprocess.run(
        [str(submit), "--master", f"local[{NCPU}]", *extra, str(script)],
        cwd=work,
        env=env,
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - begin
    if done.returncode != 0 or b"COUNT 1000" not in done.stdout:
        raise RuntimeError(done.stderr.decode(errors="replace")[-2000:])
    return elapsed


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(samples), 2),
        "min": round(min(samples), 2),
        "max": round(max(samples), 2),
        "n": len(samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gluerun-bench-spark-") as tmp:
        base = Path(tmp)
        script = base / "trivial.py"
        script.write_text(TRIVIAL)
        proc, endpoint = start_server(base / "data", base / "server.log")
        try:
            glue = glue_client(endpoint)
            command = {"Name": "glueetl", "ScriptLocation": str(script)}
            glue.create_job(Name="trivial", Role="bench", Command=command)
            ways: dict[str, Callable[[], float]] = {
                "gluerun": lambda: gluerun_run(glue),
                "bare_spark_submit": lambda: bare_run(script, base, []),
                "bare_spark_submit_tuned": lambda: bare_run(script, base, TUNING),
            }
            results = measure(ways, args.runs)
        finally:
            stop_server(proc)
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": NCPU,
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "runs": args.runs,
        "seconds": {name: summary(samples) for name, samples in results.items()},
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


def measure(ways: dict[str, Callable[[], float]], runs: int) -> dict[str, list[float]]:
    for way in ways.values():
        way()  # warm-up, not counted
    results: dict[str, list[float]] = {name: [] for name in ways}
    for index in range(runs):
        for name, way in ways.items():
            results[name].append(way())
            print(f"run {index + 1}/{runs} {name}: {results[name][-1]:.2f} s", file=sys.stderr)
    return results


if __name__ == "__main__":
    main()
