"""Hadoop's s3a with jars the operator brings (see docs/spark.md); skipped without them.

Set GLUERUN_TEST_S3A_JARS to a directory holding hadoop-aws-*.jar and aws-java-sdk-bundle-*.jar
(e.g. from the sagemaker-pyspark 1.4.5 sdist) to run it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from spark_support import CREDENTIALS, FINAL, RUN_TIMEOUT, Server, job_env, wait_state

JARS = os.environ.get("GLUERUN_TEST_S3A_JARS", "")

pytestmark = pytest.mark.skipif(not JARS, reason="GLUERUN_TEST_S3A_JARS not set")

SCRIPT = """
from awsglue.context import GlueContext
from pyspark.context import SparkContext

glueContext = GlueContext(SparkContext())
spark = glueContext.spark_session
frame = glueContext.create_dynamic_frame.from_options(
    connection_type="s3", connection_options={"paths": ["s3://s3a-bucket/in/"]}, format="json"
)
glueContext.write_dynamic_frame.from_options(
    frame=frame, connection_type="s3", connection_options={"path": "s3://s3a-bucket/out/"},
    format="parquet",
)
print("BACK", spark.read.parquet("s3://s3a-bucket/out/").count())
"""


@pytest.fixture(scope="module")
def s3a_server(tmp_path_factory: pytest.TempPathFactory, s3_endpoint: str) -> Iterator[Server]:
    jars = ",".join(str(p) for p in sorted(Path(JARS).glob("*.jar")))
    env = {
        "GLUERUN_S3_ENDPOINT_URL": s3_endpoint,
        "GLUERUN_JOB_ENV": job_env(),
        "GLUERUN_SPARK_CONF": f"spark.jars={jars}",
        **CREDENTIALS,
    }
    srv = Server(tmp_path_factory.mktemp("s3a-server") / "data", env=env)
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.stop()


def test_spark_reads_and_writes_s3_itself(
    s3a_server: Server, s3_client: Any, tmp_path: Path
) -> None:
    s3_client.create_bucket(Bucket="s3a-bucket")
    s3_client.put_object(Bucket="s3a-bucket", Key="in/a.json", Body=b'{"a": 1}\n{"a": 2}\n')
    script = tmp_path / "s3a.py"
    script.write_text(SCRIPT)
    glue = s3a_server.client()
    glue.create_job(
        Name="s3a", Role="r", Command={"Name": "glueetl", "ScriptLocation": str(script)}
    )
    run_id = glue.start_job_run(JobName="s3a")["JobRunId"]
    run = wait_state(glue, "s3a", run_id, FINAL, timeout=RUN_TIMEOUT)
    run_dir = s3a_server.data_dir / "runs" / run_id
    assert run["JobRunState"] == "SUCCEEDED", (run_dir / "stderr.log").read_text()[-3000:]
    assert "BACK 2" in (run_dir / "stdout.log").read_text()
