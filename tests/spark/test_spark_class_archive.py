"""AppCDS for driver JVMs end to end: built once per node, used by later runs, never fatal."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from spark_support import CREDENTIALS, FINAL, RUN_TIMEOUT, Server, job_env, wait_state

#: what a run sees of its driver JVM, and a result to compare
SCRIPT = """
from pyspark.context import SparkContext
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
jvm = SparkContext._jvm
options = list(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
print("ARCHIVE", any(o.startswith("-XX:SharedArchiveFile=") for o in options))
print("SUM", spark.createDataFrame([(i,) for i in range(10)], ["n"]).groupBy().sum("n").first()[0])
"""
#: how long the background build of an archive may take on a busy box
BUILD_TIMEOUT = 900.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server without warm drivers: every run is a cold driver JVM."""
    data = tmp_path_factory.mktemp("cds-server") / "data"
    env = {"GLUERUN_WARM_DRIVERS": "0", "GLUERUN_JOB_ENV": job_env(), **CREDENTIALS}
    # this node's own archives, not the test session's shared ones: the first run builds them
    env["GLUERUN_SPARK_CLASS_ARCHIVES"] = str(data / "spark-cds")
    srv = Server(data, env=env)
    srv.start()
    yield srv
    srv.shutdown()


def run_lines(server: Server, tmp_path: Path) -> tuple[str, list[str]]:
    """Run the script once (creating its job the first time): its state and output lines."""
    glue = server.client()
    if "cds" not in glue.list_jobs()["JobNames"]:
        script = tmp_path / "cds.py"
        script.write_text(SCRIPT)
        command = {"Name": "glueetl", "ScriptLocation": str(script), "PythonVersion": "3"}
        glue.create_job(Name="cds", Role="r", Command=command, GlueVersion="5.0")
    run_id = glue.start_job_run(JobName="cds")["JobRunId"]
    done = wait_state(glue, "cds", run_id, FINAL, timeout=RUN_TIMEOUT)
    stdout = (server.data_dir / "runs" / run_id / "stdout.log").read_text()
    return done["JobRunState"], [line for line in stdout.splitlines() if line.strip()]


def archive(server: Server) -> Path:
    """The node's archive, once its background build is done."""
    deadline = time.monotonic() + BUILD_TIMEOUT
    while not (found := list((server.data_dir / "spark-cds").glob("*.jsa"))):
        assert time.monotonic() < deadline, "no class archive was built"
        time.sleep(0.5)
    return found[0]


def test_runs_use_the_archive_a_first_run_had_built(server: Server, tmp_path: Path) -> None:
    assert run_lines(server, tmp_path) == ("SUCCEEDED", ["ARCHIVE False", "SUM 45"])
    assert archive(server).stat().st_size > 1 << 20
    assert run_lines(server, tmp_path) == ("SUCCEEDED", ["ARCHIVE True", "SUM 45"])


def test_a_stale_archive_does_not_fail_a_run_or_show_in_its_logs(
    server: Server, tmp_path: Path
) -> None:
    path = archive(server)
    path.chmod(0o644)
    path.write_bytes(b"not a class archive\n" * 4096)
    assert run_lines(server, tmp_path) == ("SUCCEEDED", ["ARCHIVE True", "SUM 45"])
