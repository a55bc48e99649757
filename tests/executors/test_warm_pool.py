"""Which runs a warm Spark driver may take: the configuration they are matched on."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from gluerun.executors.class_archive import QUIET
from gluerun.executors.warm_pool import DriverSpec, WarmPool

RUN_DIR = Path("/data/runs/jr_1")


def env(**extra: str) -> dict[str, str]:
    submit = "--master 'local[2]' --name etl --conf spark.ui.enabled=false pyspark-shell"
    return {"HOME": str(RUN_DIR), "PYSPARK_SUBMIT_ARGS": submit, "LANG": "C.UTF-8", **extra}


def test_runs_of_one_configuration_match_whatever_their_job_and_run() -> None:
    first = DriverSpec.of("/usr/bin/python3", env(), RUN_DIR)
    other = env(HOME="/data/runs/jr_2")
    other["PYSPARK_SUBMIT_ARGS"] = other["PYSPARK_SUBMIT_ARGS"].replace("etl", "report")
    second = DriverSpec.of("/usr/bin/python3", other, Path("/data/runs/jr_2"))
    assert first is not None and first == second
    assert "HOME" not in dict(first.env)  # the pool gives each driver its own


def test_any_other_difference_is_another_configuration() -> None:
    base = DriverSpec.of("/usr/bin/python3", env(), RUN_DIR)
    assert base != DriverSpec.of("/usr/bin/python3", env(AWS_REGION="eu-west-1"), RUN_DIR)
    assert base != DriverSpec.of("/opt/py311/bin/python", env(), RUN_DIR)
    confs = env()
    confs["PYSPARK_SUBMIT_ARGS"] = confs["PYSPARK_SUBMIT_ARGS"].replace("false", "true")
    assert base != DriverSpec.of("/usr/bin/python3", confs, RUN_DIR)


def test_a_driver_serves_runs_given_the_node_s_class_archive() -> None:
    options = "spark.driver.extraJavaOptions=-XX:+UseSerialGC"
    plain = env()
    plain["PYSPARK_SUBMIT_ARGS"] += f" --conf '{options}'"
    given = env()
    archive = f"-XX:SharedArchiveFile=/data/spark-cds/k.jsa {QUIET}"
    given["PYSPARK_SUBMIT_ARGS"] += f" --conf '{options} {archive}'"
    first = DriverSpec.of("/usr/bin/python3", plain, RUN_DIR)
    assert first is not None and first == DriverSpec.of("/usr/bin/python3", given, RUN_DIR)
    other = env()
    other["PYSPARK_SUBMIT_ARGS"] += f" --conf '{options} -Xmx2g'"
    assert first != DriverSpec.of("/usr/bin/python3", other, RUN_DIR)


def test_a_run_token_is_the_run_s_own() -> None:
    first = DriverSpec.of("/usr/bin/python3", env(GLUERUN_RUN_TOKEN="a"), RUN_DIR)
    second = DriverSpec.of("/usr/bin/python3", env(GLUERUN_RUN_TOKEN="b"), RUN_DIR)
    assert first is not None and first == second
    assert "GLUERUN_RUN_TOKEN" not in dict(first.env)  # never shown to another run


def test_a_configuration_naming_its_run_directory_is_never_warm() -> None:
    staged = env(PYTHONPATH=f"/runtime:{RUN_DIR}/extra-py")
    assert DriverSpec.of("/usr/bin/python3", staged, RUN_DIR) is None


def test_a_pool_is_never_larger_than_the_parallel_run_limit(tmp_path: Path) -> None:
    assert WarmPool(tmp_path, size=4, max_parallel_runs=2).enabled
    assert not WarmPool(tmp_path, size=0).enabled
    assert not WarmPool(tmp_path, size=3, max_parallel_runs=0).enabled


def test_a_replacement_driver_waits_for_the_run_that_took_one(tmp_path: Path) -> None:
    """A driver's start would share the cores with the (short) run that took the last one."""
    pool = WarmPool(tmp_path / "pool", size=1)
    true = shutil.which("true")
    assert true is not None
    pool._wanted = DriverSpec.of(true, env(), RUN_DIR)  # a "driver" that ends at once
    run = subprocess.Popen(["sleep", "60"])
    pool._serving.append((run, time.monotonic()))
    try:
        pool._refill()
        assert pool.idle() == []
        run.kill()
        run.wait()
        pool._refill()
        assert len(pool.idle()) == 1
    finally:
        run.kill()
        run.wait()
        pool.close()
