#!/usr/bin/env python
"""Spark benchmark: a trivial glueetl run through gluerun, warm and cold, beside spark-submit.

One script, four ways, interleaved run by run so that background load hits each alike (see
docs/spark.md):

1. gluerun_warm  StartJobRun -> poll GetJobRun every --poll s (10 ms) until SUCCEEDED (wall
                 time), on a server keeping one warm driver (GLUERUN_WARM_DRIVERS=1); before
                 each run the bench waits, uncounted, until the pool's replacement is ready.
2. gluerun_cold  the same on a server without warm drivers (GLUERUN_WARM_DRIVERS=0).
   (with --baseline-src DIR, also gluerun_warm_baseline and gluerun_cold_baseline: ways 1
   and 2 on servers running the gluerun of DIR, e.g. an older checkout's src, for
   before/after ratios in one run)
   Before counting, the bench waits for each server's AppCDS archive of the driver JVM
   (<data dir>/spark-cds/*.jsa, built in the background after a first run) when its
   gluerun makes one.
3. bare          ``spark-submit --master local[N] trivial.py`` with Spark's defaults.
4. bare-tuned    the same with gluerun's start-up tuning (UI off, C1 JIT, SerialGC).

p50/p95/min/max over --runs runs each, after one un-counted warm-up of each (page cache,
.pyc). Also the resident memory (Python + JVM) of an idle warm driver. Servers are stopped by
their pids in a finally block. Results are printed as JSON and, with --out, written to a file.

    .venv/bin/python bench/bench_spark.py [--runs 10] [--poll 0.01] [--baseline-src DIR]
        [--out results.json]
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
import psutil
from _common import prepared_runtimes
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
NCPU = os.cpu_count() or 1
PACKAGES = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "gluerun"
    / ("spark-packages")
)
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


def start_server(
    data_dir: Path, log: Path, warm: int = 0, src: str = ""
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    baseline = {"PYTHONPATH": src} if src else {}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(VENV_BIN / "gluerun"), "serve", "--port", str(port), "--data-dir", str(data_dir)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={
                # the packages cache the tests share: a first S3A fetch is not run latency
                "GLUERUN_SPARK_PACKAGES_DIR": str(PACKAGES),
                **os.environ,
                **prepared_runtimes("glueetl-5.0"),
                "GLUERUN_WARM_DRIVERS": str(warm),
                **baseline,
            },
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


#: seconds between two GetJobRun calls of the bench's client (--poll)
POLL = [0.01]


def run_to_end(glue: Any, job: str) -> tuple[float, str]:
    """StartJobRun, then GetJobRun every POLL s until final: (wall seconds, run id).

    Raises:
        RuntimeError: the run did not succeed.
    """
    begin = time.perf_counter()
    run_id = glue.start_job_run(JobName=job)["JobRunId"]
    while True:
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if run["JobRunState"] in TERMINAL:
            break
        time.sleep(POLL[0])
    elapsed = time.perf_counter() - begin
    if run["JobRunState"] != "SUCCEEDED":
        raise RuntimeError(f"{job} {run_id}: {run['JobRunState']} {run.get('ErrorMessage')}")
    return elapsed, run_id


def gluerun_run(glue: Any) -> float:
    return run_to_end(glue, "trivial")[0]


def ready_driver(data_dir: Path, timeout: float = 300.0) -> int:
    """Wait until the pool of the server on `data_dir` has a ready warm driver: its pid."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mark in (data_dir / "warm-drivers").glob("driver-*/ready"):
            try:
                return int(mark.read_text())
            except (OSError, ValueError):
                continue
        time.sleep(0.05)
    raise RuntimeError("no warm driver became ready")


def warm_run(glue: Any, data_dir: Path) -> float:
    ready_driver(data_dir)
    elapsed, run_id = run_to_end(glue, "trivial")
    first = (data_dir / "runs" / run_id / "stderr.log").read_text().split("\n", 1)[0]
    if not first.startswith("gluerun: started warm"):
        raise RuntimeError(f"{run_id} did not start warm: {first}")
    return elapsed


def class_archive(data_dir: Path, timeout: float = 900.0) -> None:
    """Wait until the server on `data_dir` has built its driver JVMs' AppCDS archive."""
    deadline = time.monotonic() + timeout
    while not list((data_dir / "spark-cds").glob("*.jsa")):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no AppCDS archive in {data_dir}")
        time.sleep(0.5)


def driver_memory_mb(pid: int) -> float:
    """Resident memory of a warm driver and its JVM, MiB."""
    root = psutil.Process(pid)
    procs = [root, *root.children(recursive=True)]
    return round(sum(p.memory_info().rss for p in procs) / (1 << 20), 1)


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
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18] if len(samples) > 1 else 0
    return {
        "p50": round(statistics.median(samples), 2),
        "p95": round(p95 or max(samples), 2),
        "min": round(min(samples), 2),
        "max": round(max(samples), 2),
        "n": len(samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--poll", type=float, default=0.01, help="GetJobRun interval, seconds")
    parser.add_argument("--baseline-src", default="", help="also a warm server from this src")
    args = parser.parse_args()
    POLL[0] = args.poll
    load_start = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="gluerun-bench-spark-") as tmp:
        base = Path(tmp)
        script = base / "trivial.py"
        script.write_text(TRIVIAL)
        servers: list[subprocess.Popen[bytes]] = []
        try:
            warm_dir, cold_dir, old_dir = base / "warm", base / "cold", base / "baseline"
            warm_glue, cold_glue = (
                glue_client(_started(servers, data_dir, warm))
                for data_dir, warm in ((warm_dir, 1), (cold_dir, 0))
            )
            old = args.baseline_src
            old_cold_dir = base / "baseline-cold"
            old_glue = glue_client(_started(servers, old_dir, 1, old)) if old else None
            old_cold = glue_client(_started(servers, old_cold_dir, 0, old)) if old else None
            for glue in (warm_glue, cold_glue, old_glue, old_cold):
                command = {"Name": "glueetl", "ScriptLocation": str(script)}
                if glue is not None:
                    glue.create_job(Name="trivial", Role="bench", Command=command)
            gluerun_run(warm_glue)  # the configuration the pool then keeps warm
            gluerun_run(cold_glue)
            for data_dir in (warm_dir, cold_dir):
                class_archive(data_dir)
            ways: dict[str, Callable[[], float]] = {
                "gluerun_warm": lambda: warm_run(warm_glue, warm_dir),
            }
            if old_glue is not None:
                gluerun_run(old_glue)
                ways["gluerun_warm_baseline"] = lambda: warm_run(old_glue, old_dir)
            ways["gluerun_cold"] = lambda: gluerun_run(cold_glue)
            if old_cold is not None:
                ways["gluerun_cold_baseline"] = lambda: gluerun_run(old_cold)
            ways |= {
                "bare_spark_submit": lambda: bare_run(script, base, []),
                "bare_spark_submit_tuned": lambda: bare_run(script, base, TUNING),
            }
            results = measure(ways, args.runs)
            idle_mb = driver_memory_mb(ready_driver(warm_dir))
        finally:
            for proc in servers:
                stop_server(proc)
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": NCPU,
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "runs": args.runs,
        "poll_seconds": args.poll,
        "load_avg_start": load_start,
        "seconds": {name: summary(samples) for name, samples in results.items()},
        "idle_warm_driver_rss_mb": idle_mb,
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


def _started(
    servers: list[subprocess.Popen[bytes]], data_dir: Path, warm: int, src: str = ""
) -> str:
    proc, endpoint = start_server(data_dir, data_dir.with_suffix(".log"), warm, src)
    servers.append(proc)
    return endpoint


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
