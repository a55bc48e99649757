"""Fixtures of the Spark tier: one local SparkSession for the unit tests, moto, live servers.

The unit tests import the ``awsglue`` runtime straight from the source tree and share one
SparkSession (one JVM for the whole tier); the end-to-end tests drive ``gluerun serve``,
whose glueetl runs each start their own driver JVM.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
from spark_support import (
    CREDENTIALS,
    RUNTIME,
    MariaDb,
    PgSchema,
    Server,
    job_env,
    moto_s3,
    prepare_runtimes,
)

from gluerun.executors._spark_conf import DEBIAN_JDBC_DRIVERS, jdbc_driver_jars

PG_DSN = os.environ.get("GLUERUN_TEST_PG_DSN", "")
MYSQL_URL = os.environ.get("GLUERUN_TEST_MYSQL_URL", "")
IN_CI = bool(os.environ.get("CI"))


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on loopback for the whole tier."""
    with moto_s3() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def s3_client(s3_endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **_keys())


def _keys() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The tier's one local SparkSession; Python workers see the awsglue runtime."""
    from pyspark.sql import SparkSession

    previous = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the Python workers' interpreter
    session = (
        SparkSession.builder.master("local[2]")
        .appName("gluerun-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.executorEnv.PYTHONPATH", str(RUNTIME))
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .config("spark.jars", ",".join(jdbc_driver_jars("")))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    if previous is None:
        os.environ.pop("PYSPARK_PYTHON", None)
    else:
        os.environ["PYSPARK_PYTHON"] = previous


@pytest.fixture(scope="session")
def glue_context(spark: Any) -> Any:
    from awsglue.context import GlueContext

    return GlueContext(spark.sparkContext)


@pytest.fixture
def bookmarks() -> Iterator[Any]:
    """An enabled bookmark context installed as `Job.init` would, without a server."""
    from awsglue import _bookmarks

    context = _bookmarks.BookmarkContext(_bookmarks.ENABLE, "job")
    _bookmarks.install(context)
    yield context
    _bookmarks.install(None)


@pytest.fixture(scope="module")
def spark_server(tmp_path_factory: pytest.TempPathFactory, s3_endpoint: str) -> Iterator[Server]:
    """A gluerun server running glueetl jobs in local mode, with S3 on moto."""
    srv = Server(
        tmp_path_factory.mktemp("spark-server") / "data",
        env={"GLUERUN_S3_ENDPOINT_URL": s3_endpoint, "GLUERUN_JOB_ENV": job_env(), **CREDENTIALS},
    )
    srv.start()
    yield srv
    srv.shutdown()


@pytest.fixture
def pg_schema() -> Iterator[PgSchema]:
    """A fresh schema in the test PostgreSQL server; the JDBC driver must be installed."""
    missing = []
    if not PG_DSN:
        missing.append("GLUERUN_TEST_PG_DSN")
    if DEBIAN_JDBC_DRIVERS[0] not in jdbc_driver_jars(""):
        missing.append(f"{DEBIAN_JDBC_DRIVERS[0]} (Debian's libpostgresql-jdbc-java)")
    if missing:
        if IN_CI:
            pytest.fail(f"CI must have {' and '.join(missing)}: JDBC tests may not skip in CI")
        pytest.skip(f"no {' and '.join(missing)}")
    schema = PgSchema(PG_DSN, f"jdbc_{uuid.uuid4().hex[:12]}")
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema.schema}")
    try:
        yield schema
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema.schema} CASCADE")


@pytest.fixture
def maria_db() -> Iterator[MariaDb]:
    """A fresh database in the MariaDB server of ``GLUERUN_TEST_MYSQL_URL``."""
    if not MYSQL_URL:
        if IN_CI:
            pytest.fail("CI must set GLUERUN_TEST_MYSQL_URL: JDBC tests may not skip in CI")
        pytest.skip("GLUERUN_TEST_MYSQL_URL not set")
    database = MariaDb(f"jdbc_{uuid.uuid4().hex[:12]}", MYSQL_URL)
    try:
        database.execute(f"CREATE DATABASE {database.name}", database="information_schema")
    except (OSError, subprocess.CalledProcessError) as exc:
        if IN_CI:
            pytest.fail(f"CI must reach MariaDB at {MYSQL_URL}: {exc}")
        pytest.skip(f"no MariaDB: {exc}")
    if DEBIAN_JDBC_DRIVERS[1] not in jdbc_driver_jars(""):
        pytest.fail(f"no {DEBIAN_JDBC_DRIVERS[1]} (Debian's libmariadb-java)")
    try:
        yield database
    finally:
        database.execute(f"DROP DATABASE {database.name}", database="information_schema")


_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # PySpark leaves py4j and result-collection sockets to the garbage collector.
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))
            item.add_marker(
                pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
            )


@pytest.fixture(scope="session", autouse=True)
def _spark_runtime() -> None:
    """glueetl runs use the Glue 5.0 runtime: built once, before any server needs it."""
    prepare_runtimes("glueetl-5.0")
