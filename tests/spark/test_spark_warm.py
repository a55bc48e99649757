"""Warm Spark drivers end to end: runs handed to a pre-started driver behave as cold ones."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from spark_support import CREDENTIALS, FINAL, RUN_TIMEOUT, Server, job_env, wait_state

#: prints what a run sees of its process, then exits as told
PROBE_SCRIPT = """
import os, sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "mode"])
sc = SparkContext()
glueContext = GlueContext(sc)
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
with open("rows.json", "w") as rows:  # relative: the run directory, for Python and the JVM
    rows.write('{"n": 1}\\n{"n": 2}\\n{"n": 3}\\n')
frame = glueContext.spark_session.read.json("rows.json")
print("SUM", frame.groupBy().sum("n").collect()[0][0])
print("CWD", os.path.basename(os.getcwd()).startswith("jr_"))
print("HOME", os.environ["HOME"] == os.getcwd())
print("ARGV", [a for a in sys.argv[1:] if a.startswith("--")])
print("PATH0", sys.path[0] == os.path.dirname(os.path.abspath(__file__)))
print("ERR", file=sys.stderr)
job.commit()
if args["mode"] == "raise":
    raise ValueError("boom")
sys.exit(0 if args["mode"] == "ok" else 3)
"""

SLEEPING_SCRIPT = """
import time
from pyspark.context import SparkContext

SparkContext.getOrCreate()
print("READY", flush=True)
time.sleep(600)
"""

#: asks its context for Spark SQL settings (--ask sql) or also a core one (--ask core)
SETTINGS_SCRIPT = """
import sys
from awsglue.utils import getResolvedOptions
from pyspark import SparkConf
from pyspark.context import SparkContext
from pyspark.sql import SparkSession

args = getResolvedOptions(sys.argv, ["ask"])
conf = SparkConf().set("spark.sql.shuffle.partitions", "3")
if args["ask"] == "core":
    conf.set("spark.default.parallelism", "5")
sc = SparkContext(conf=conf)
spark = SparkSession.builder.config("spark.sql.session.timeZone", "Asia/Tokyo").getOrCreate()
key = "spark.sql.shuffle.partitions"
print("SQL", spark.conf.get(key), sc.getConf().get(key))
print("TZ", spark.conf.get("spark.sql.session.timeZone"))
print("PAR", sc.defaultParallelism)
frame = spark.createDataFrame([(i,) for i in range(10)], ["n"])
print("SUM", frame.groupBy().sum("n").collect()[0][0])
"""

WARM = "gluerun: started warm"
RESTART = "gluerun: restarting cold"
COLD = "gluerun: started cold"


@pytest.fixture(scope="module")
def warm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server keeping one warm driver for the glueetl configuration last run."""
    srv = Server(
        tmp_path_factory.mktemp("warm-server") / "data",
        env={"GLUERUN_WARM_DRIVERS": "1", "GLUERUN_JOB_ENV": job_env(), **CREDENTIALS},
    )
    srv.start()
    yield srv
    srv.shutdown()


def warm_driver(server: Server, timeout: float = RUN_TIMEOUT) -> int:
    """The pid of a ready warm driver, once there is one (after a first run, if need be)."""
    if not list((server.data_dir / "warm-drivers").glob("driver-*")):
        prime(server)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mark in (server.data_dir / "warm-drivers").glob("driver-*/ready"):
            try:
                return int(mark.read_text())
            except (OSError, ValueError):
                continue
        time.sleep(0.2)
    raise TimeoutError("no warm driver became ready")


def prime(server: Server) -> None:
    """Run the tests' configuration once, cold, so that the pool keeps it warm."""
    script = server.data_dir.parent / "primer.py"
    script.write_text("from pyspark.context import SparkContext\nSparkContext.getOrCreate()\n")
    glue = server.client()
    if "primer" not in glue.list_jobs()["JobNames"]:
        command = {"Name": "glueetl", "ScriptLocation": str(script), "PythonVersion": "3"}
        glue.create_job(Name="primer", Role="r", Command=command, GlueVersion="5.0")
    run(server, "primer")


def create_job(server: Server, name: str, script: str, tmp_path: Path, **job: Any) -> None:
    path = tmp_path / f"{name}.py"
    path.write_text(script)
    server.client().create_job(
        Name=name,
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(path), "PythonVersion": "3"},
        GlueVersion="5.0",
        **job,
    )


def run(server: Server, name: str, **arguments: str) -> tuple[dict[str, Any], Path]:
    """Start a run of job `name` and wait for its end; the run and its directory."""
    glue = server.client()
    run_id = glue.start_job_run(JobName=name, Arguments=arguments)["JobRunId"]
    done = wait_state(glue, name, run_id, FINAL, timeout=RUN_TIMEOUT)
    return done, server.data_dir / "runs" / run_id


def first_line(run_dir: Path) -> str:
    """The line saying how the run started (after any notes on preparing its runtime)."""
    lines = (run_dir / "stderr.log").read_text().splitlines()
    return next((line for line in lines if line.startswith("gluerun: started")), lines[0])


def script_lines(run_dir: Path, log: str) -> list[str]:
    """A log's lines written by the script itself (not Spark's or gluerun's)."""
    return [
        line
        for line in (run_dir / log).read_text().splitlines()
        if line.split(" ")[0] in {"SUM", "CWD", "HOME", "ARGV", "PATH0", "ERR", "ValueError:"}
    ]


def test_warm_and_cold_runs_of_a_script_agree(warm_server: Server, tmp_path: Path) -> None:
    create_job(warm_server, "probe", PROBE_SCRIPT, tmp_path)
    cold, cold_dir = run(warm_server, "probe", **{"--mode": "ok"})
    assert first_line(cold_dir).startswith(COLD), first_line(cold_dir)
    pid = warm_driver(warm_server)
    warm, warm_dir = run(warm_server, "probe", **{"--mode": "ok"})
    assert first_line(warm_dir).startswith(f"{WARM} (Spark driver pid {pid},")
    assert warm["JobRunState"] == cold["JobRunState"] == "SUCCEEDED", warm.get("ErrorMessage")
    assert script_lines(warm_dir, "stdout.log") == script_lines(cold_dir, "stdout.log")
    assert "SUM 6" in script_lines(warm_dir, "stdout.log")
    assert script_lines(warm_dir, "stderr.log") == script_lines(cold_dir, "stderr.log") == ["ERR"]
    assert (warm_dir / "exit_code").read_text().strip() == "0"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_warm_run_fails_as_a_cold_one(warm_server: Server, tmp_path: Path) -> None:
    create_job(warm_server, "probe-fail", PROBE_SCRIPT, tmp_path)
    warm_driver(warm_server)
    exited, exited_dir = run(warm_server, "probe-fail", **{"--mode": "exit"})
    assert first_line(exited_dir).startswith(WARM)
    assert exited["JobRunState"] == "FAILED"
    assert (exited_dir / "exit_code").read_text().strip() == "3"
    warm_driver(warm_server)
    raised, raised_dir = run(warm_server, "probe-fail", **{"--mode": "raise"})
    assert first_line(raised_dir).startswith(WARM)
    assert raised["JobRunState"] == "FAILED"
    assert raised["ErrorMessage"] == "ValueError: boom"
    assert "Traceback (most recent call last)" in (raised_dir / "stderr.log").read_text()


def run_processes(run_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cwd"]):
        if proc.info["cwd"] == str(run_dir):
            found.append(proc)
    return found


def start_sleeper(server: Server, name: str) -> tuple[str, Path]:
    glue = server.client()
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    run_dir = server.data_dir / "runs" / run_id
    deadline = time.monotonic() + RUN_TIMEOUT
    while "READY" not in _read(run_dir / "stdout.log"):
        assert time.monotonic() < deadline, _read(run_dir / "stderr.log")[-2000:]
        time.sleep(0.1)
    return run_id, run_dir


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def test_stop_kills_a_warm_run_and_its_jvm(warm_server: Server, tmp_path: Path) -> None:
    create_job(warm_server, "sleeper", SLEEPING_SCRIPT, tmp_path)
    glue = warm_server.client()
    glue.batch_stop_job_run(JobName="sleeper", JobRunIds=[start_sleeper(warm_server, "sleeper")[0]])
    pid = warm_driver(warm_server)
    run_id, run_dir = start_sleeper(warm_server, "sleeper")
    assert first_line(run_dir).startswith(f"{WARM} (Spark driver pid {pid},")
    procs = run_processes(run_dir)
    assert {p.pid for p in procs} >= {pid} and any(p.name() == "java" for p in procs)
    glue.batch_stop_job_run(JobName="sleeper", JobRunIds=[run_id])
    assert wait_state(glue, "sleeper", run_id, FINAL, timeout=60)["JobRunState"] == "STOPPED"
    _, alive = psutil.wait_procs(procs, timeout=10)
    assert not alive, alive


@pytest.mark.slow
def test_a_timeout_kills_a_warm_run(warm_server: Server, tmp_path: Path) -> None:
    create_job(warm_server, "slowpoke", SLEEPING_SCRIPT, tmp_path, Timeout=1)
    warm_driver(warm_server)
    run_id, run_dir = start_sleeper(warm_server, "slowpoke")
    assert first_line(run_dir).startswith(WARM)
    procs = run_processes(run_dir)
    done = wait_state(warm_server.client(), "slowpoke", run_id, FINAL, timeout=150)
    assert done["JobRunState"] == "TIMEOUT"
    _, alive = psutil.wait_procs(procs, timeout=10)
    assert not alive, alive


def test_two_runs_never_share_a_driver(warm_server: Server, tmp_path: Path) -> None:
    create_job(
        warm_server, "pair", PROBE_SCRIPT, tmp_path, ExecutionProperty={"MaxConcurrentRuns": 2}
    )
    pid = warm_driver(warm_server)
    glue = warm_server.client()
    ids = [
        glue.start_job_run(JobName="pair", Arguments={"--mode": "ok"})["JobRunId"] for _ in range(2)
    ]
    runs = [wait_state(glue, "pair", run_id, FINAL, timeout=RUN_TIMEOUT) for run_id in ids]
    assert [r["JobRunState"] for r in runs] == ["SUCCEEDED", "SUCCEEDED"]
    dirs = [warm_server.data_dir / "runs" / run_id for run_id in ids]
    lines = [first_line(d) for d in dirs]
    assert sum(line.startswith(f"{WARM} (Spark driver pid {pid},") for line in lines) == 1, lines
    assert sum(line.startswith(COLD) for line in lines) == 1, lines
    pids = {(d / "pid").read_text().strip() for d in dirs}
    assert len(pids) == 2


def test_a_failed_handover_starts_the_run_cold(warm_server: Server, tmp_path: Path) -> None:
    create_job(warm_server, "handover", PROBE_SCRIPT, tmp_path)
    pid = warm_driver(warm_server)
    os.kill(pid, signal.SIGSTOP)  # it cannot accept the run: the server gives up on it
    try:
        done, run_dir = run(warm_server, "handover", **{"--mode": "ok"})
    finally:
        if psutil.pid_exists(pid):
            os.kill(pid, signal.SIGCONT)
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    assert first_line(run_dir).startswith(COLD)
    assert "SUM 6" in script_lines(run_dir, "stdout.log")
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_restarted_server_reattaches_to_a_warm_run(warm_server: Server, tmp_path: Path) -> None:
    create_job(warm_server, "lasting", SLEEPING_SCRIPT, tmp_path)
    pid = warm_driver(warm_server)
    run_id, run_dir = start_sleeper(warm_server, "lasting")
    assert first_line(run_dir).startswith(f"{WARM} (Spark driver pid {pid},")
    warm_server.stop()
    assert psutil.pid_exists(pid), "the run must outlive the server"
    warm_server.start()
    glue = warm_server.client()
    assert glue.get_job_run(JobName="lasting", RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING"
    procs = run_processes(run_dir)
    glue.batch_stop_job_run(JobName="lasting", JobRunIds=[run_id])
    assert wait_state(glue, "lasting", run_id, FINAL, timeout=60)["JobRunState"] == "STOPPED"
    _, alive = psutil.wait_procs(procs, timeout=10)
    assert not alive, alive


def settings_lines(run_dir: Path) -> list[str]:
    lines = (run_dir / "stdout.log").read_text().splitlines()
    return [line for line in lines if line.split(" ")[0] in {"SQL", "TZ", "PAR", "SUM"}]


def test_a_warm_run_takes_the_spark_sql_settings_its_script_asks_for(
    warm_server: Server, tmp_path: Path
) -> None:
    create_job(warm_server, "settings", SETTINGS_SCRIPT, tmp_path)
    warm_driver(warm_server)
    done, run_dir = run(warm_server, "settings", **{"--ask": "sql"})
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    assert first_line(run_dir).startswith(WARM)
    assert RESTART not in (run_dir / "stderr.log").read_text()
    parallelism = f"PAR {os.cpu_count()}"  # local[N], N = cores: Spark's default, as cold
    assert settings_lines(run_dir) == ["SQL 3 3", "TZ Asia/Tokyo", parallelism, "SUM 45"]


def test_a_warm_run_asking_for_core_settings_restarts_cold(
    warm_server: Server, tmp_path: Path
) -> None:
    create_job(warm_server, "core-settings", SETTINGS_SCRIPT, tmp_path)
    pid = warm_driver(warm_server)
    done, run_dir = run(warm_server, "core-settings", **{"--ask": "core"})
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    assert first_line(run_dir).startswith(f"{WARM} (Spark driver pid {pid},")
    errors = (run_dir / "stderr.log").read_text()
    assert f"{RESTART}: the script's Spark settings (spark.default.parallelism)" in errors
    assert settings_lines(run_dir) == ["SQL 3 3", "TZ Asia/Tokyo", "PAR 5", "SUM 45"]
    assert (run_dir / "exit_code").read_text().strip() == "0"
    assert done["Id"] and (run_dir / "pid").read_text().strip() == str(pid)
