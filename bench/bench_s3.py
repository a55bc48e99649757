#!/usr/bin/env python
"""S3 benchmark: Parquet on s3:// through S3A (the default) vs the old boto3 staging path,
and what S3A's packages add to a run's start once they are cached.

A moto server is the S3 store. Two gluerun servers share one packages directory: one with
S3A (``GLUERUN_SPARK_S3=s3a``, the default), one with ``GLUERUN_SPARK_S3=staging`` (no jars).

1. data      a setup run writes --size-mb of Parquet (random doubles and strings, snappy)
             to s3://bench/data/ through S3A.
2. copy      the same awsglue script on both servers, interleaved: from_options reads the
             Parquet from s3://, write_dynamic_frame writes it back as Parquet under a new
             prefix; the wall time StartJobRun -> SUCCEEDED, and the script's own time for
             read + write (the driver JVM's start left out).
3. start     a trivial run (spark.range(1000).count()) on both servers, interleaved, --runs
             times after a warm-up: the S3A server's runs load hadoop-aws and the SDK bundle
             (from the warm cache), the staging server's load nothing extra.
4. fetch     with --cold-fetch: ``gluerun spark-packages`` into an empty directory (downloads
             S3A's 282 MB from the repository), once.

Every process started is stopped by its pid in a finally block.

    .venv/bin/python bench/bench_s3.py [--size-mb 1024] [--copies 2] [--runs 5] [--cold-fetch]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import boto3
from bench_spark import free_port, glue_client, prepared_runtimes, run_to_end, summary

VENV_BIN = Path(sys.executable).parent
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}
#: rows per MB of the generated Parquet (two random doubles and a 16-char hex string)
ROWS_PER_MB = 24_000

GENERATE = """
import sys
from pyspark.sql import SparkSession
rows = int(sys.argv[sys.argv.index("--rows") + 1])
spark = SparkSession.builder.getOrCreate()
frame = spark.range(rows).selectExpr(
    "id", "rand(1) AS a", "randn(2) AS b", "substr(sha2(cast(id AS string), 256), 1, 16) AS s"
)
frame.repartition(8).write.mode("overwrite").parquet("s3://bench/data/")
"""

COPY = """
import sys, time
from awsglue.context import GlueContext
from pyspark.context import SparkContext
out = sys.argv[sys.argv.index("--out") + 1]
glue = GlueContext(SparkContext())
begin = time.perf_counter()
frame = glue.create_dynamic_frame.from_options(
    connection_type="s3", connection_options={"paths": ["s3://bench/data/"]}, format="parquet"
)
glue.write_dynamic_frame.from_options(
    frame=frame, connection_type="s3", connection_options={"path": out}, format="parquet"
)
print("COPY_SECONDS", time.perf_counter() - begin)
"""

TRIVIAL = """
from pyspark.sql import SparkSession
print("COUNT", SparkSession.builder.getOrCreate().range(1000).count())
"""


@contextmanager
def process(command: list[str], log: Path, env: dict[str, str]) -> Iterator[int]:
    """Start `command` on a free port (its last argument), yield the port, stop it by pid."""
    port = free_port()
    with log.open("wb") as out:
        argv = [*command, str(port)]
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _listening(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def gluerun(base: Path, name: str, s3: str, packages: Path, s3_port: int) -> Any:
    env = {
        **os.environ,
        **CREDENTIALS,
        "GLUERUN_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
        "GLUERUN_JOB_ENV": ",".join(f"{k}={v}" for k, v in CREDENTIALS.items()),
        "GLUERUN_SPARK_S3": s3,
        "GLUERUN_SPARK_PACKAGES_DIR": str(packages),
        "GLUERUN_DATA_DIR": str(base / f"data-{name}"),
        **prepared_runtimes("glueetl-5.0"),
    }
    return process([str(VENV_BIN / "gluerun"), "serve", "--port"], base / f"{name}.log", env)


def job(glue: Any, name: str, script: Path, args: dict[str, str] | None = None) -> None:
    command = {"Name": "glueetl", "ScriptLocation": str(script)}
    glue.create_job(Name=name, Role="bench", Command=command, DefaultArguments=args or {})


def copy_seconds(glue: Any, job_name: str, data_dir: Path, out: str) -> tuple[float, float]:
    """One copy run: (wall seconds, the script's own read + write seconds)."""
    glue.update_job(
        JobName=job_name,
        JobUpdate={
            "Role": "bench",
            "Command": glue.get_job(JobName=job_name)["Job"]["Command"],
            "DefaultArguments": {"--out": out},
        },
    )
    wall, run_id = run_to_end(glue, job_name)
    stdout = (data_dir / "runs" / run_id / "stdout.log").read_text()
    inner = float(stdout.split("COPY_SECONDS", 1)[1].split()[0])
    return wall, inner


def bucket_mb(s3: Any, prefix: str) -> float:
    total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="bench", Prefix=prefix):
        total += sum(item["Size"] for item in page.get("Contents", []))
    return total / 1e6


def cold_fetch(base: Path) -> dict[str, float]:
    empty = base / "cold-packages"
    env = {**os.environ, "GLUERUN_SPARK_PACKAGES_DIR": str(empty)}
    begin = time.perf_counter()
    subprocess.run(
        [str(VENV_BIN / "gluerun"), "spark-packages", "--data-dir", str(base / "cold")],
        env=env,
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - begin
    size = sum(p.stat().st_size for p in empty.rglob("*.jar")) / 1e6
    shutil.rmtree(empty)
    return {"seconds": round(seconds, 1), "mb": round(size, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--copies", type=int, default=2, help="copy runs per way")
    parser.add_argument("--runs", type=int, default=5, help="trivial runs per way")
    parser.add_argument("--packages", type=Path, help="a warm packages dir (default: fetch)")
    parser.add_argument("--cold-fetch", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report: dict[str, Any] = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="gluerun-bench-s3-") as tmp, ExitStack() as stack:
        base = Path(tmp)
        packages = args.packages or base / "packages"
        moto = [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p"]
        s3_port = stack.enter_context(process(moto, base / "moto.log", dict(os.environ)))
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{s3_port}", **_keys())
        s3.create_bucket(Bucket="bench")
        ways = {}
        for name in ("s3a", "staging"):
            port = stack.enter_context(gluerun(base, name, name, packages, s3_port))
            ways[name] = glue_client(f"http://127.0.0.1:{port}")
        # script files are named bench_*.py: a job script named copy.py would shadow the
        # standard library's copy module in its own process
        for name, source in (("generate", GENERATE), ("copy", COPY), ("trivial", TRIVIAL)):
            (base / f"bench_{name}.py").write_text(source)
            for glue in ways.values():
                job(glue, name, base / f"bench_{name}.py")
        rows = args.size_mb * ROWS_PER_MB
        ways["s3a"].update_job(
            JobName="generate",
            JobUpdate={
                "Role": "bench",
                "Command": {"Name": "glueetl", "ScriptLocation": str(base / "bench_generate.py")},
                "DefaultArguments": {"--rows": str(rows)},
            },
        )
        generated, _ = run_to_end(ways["s3a"], "generate")
        report["data"] = {"mb": round(bucket_mb(s3, "data/"), 1), "generate_s": round(generated, 1)}
        print(f"data: {report['data']}", file=sys.stderr)
        report["copy"] = measure_copies(ways, base, args.copies, s3)
        report["trivial_run_s"] = measure_trivial(ways, args.runs)
        if args.cold_fetch:
            report["cold_fetch"] = cold_fetch(base)
    report["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


def measure_copies(ways: dict[str, Any], base: Path, copies: int, s3: Any) -> dict[str, Any]:
    walls: dict[str, list[float]] = {name: [] for name in ways}
    inner: dict[str, list[float]] = {name: [] for name in ways}
    for index in range(copies):
        for name, glue in ways.items():
            out = f"s3://bench/out-{name}-{index}/"
            wall, seconds = copy_seconds(glue, "copy", base / f"data-{name}", out)
            walls[name].append(wall)
            inner[name].append(seconds)
            written = bucket_mb(s3, f"out-{name}-{index}/")
            line = f"copy {index + 1}/{copies} {name}: {wall:.1f} s ({written:.0f} MB)"
            print(line, file=sys.stderr)
            s3_delete(s3, f"out-{name}-{index}/")
    return {
        name: {"wall": summary(walls[name]), "read_write": summary(inner[name])} for name in ways
    }


def measure_trivial(ways: dict[str, Any], runs: int) -> dict[str, Any]:
    for glue in ways.values():
        run_to_end(glue, "trivial")  # warm-up, not counted
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for index in range(runs):
        for name, glue in ways.items():
            samples[name].append(run_to_end(glue, "trivial")[0])
            print(f"trivial {index + 1}/{runs} {name}: {samples[name][-1]:.2f} s", file=sys.stderr)
    return {name: summary(values) for name, values in samples.items()}


def s3_delete(s3: Any, prefix: str) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="bench", Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket="bench", Delete={"Objects": keys})


def _keys() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": CREDENTIALS["AWS_DEFAULT_REGION"],
    }


if __name__ == "__main__":
    main()
