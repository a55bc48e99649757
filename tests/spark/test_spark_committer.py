"""``GLUERUN_SPARK_S3_COMMITTER=magic``: Spark SQL writes to s3:// through S3A's magic committer.

A live server with the setting, S3 on the tier's moto server; spark-hadoop-cloud is fetched into
the machine's package cache like the other packages (live_server.SPARK_PACKAGES_DIR).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from spark_support import CREDENTIALS, Server, job_env, run_script

pytestmark = pytest.mark.slow

BUCKET = "commit-bucket"

SCRIPT = f"""
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
frame = spark.range(0, 1000).selectExpr("id", "id % 3 AS part")
frame.write.mode("overwrite").parquet("s3://{BUCKET}/plain/")
frame.write.mode("overwrite").partitionBy("part").json("s3a://{BUCKET}/parted/")
print("PLAIN", spark.read.parquet("s3://{BUCKET}/plain/").count())
print("PARTED", spark.read.json("s3://{BUCKET}/parted/").where("part = 2").count())
spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
try:
    frame.write.mode("overwrite").partitionBy("part").parquet("s3://{BUCKET}/dynamic/")
    print("DYNAMIC written")
except Exception as exc:
    print("DYNAMIC refused:", "dynamicPartitionOverwrite" in str(exc))
"""


@pytest.fixture(scope="module")
def magic_server(tmp_path_factory: pytest.TempPathFactory, s3_endpoint: str) -> Iterator[Server]:
    env = {
        "GLUERUN_S3_ENDPOINT_URL": s3_endpoint,
        "GLUERUN_JOB_ENV": job_env(),
        "GLUERUN_SPARK_S3_COMMITTER": "magic",
        **CREDENTIALS,
    }
    srv = Server(tmp_path_factory.mktemp("magic-server") / "data", env=env)
    srv.start()
    yield srv
    srv.shutdown()


def test_s3_writes_commit_through_the_magic_committer(
    magic_server: Server, s3_client: Any, tmp_path: Path
) -> None:
    s3_client.create_bucket(Bucket=BUCKET)
    script = tmp_path / "magic.py"
    script.write_text(SCRIPT)
    out = run_script(magic_server, "magic-commit", script)
    assert "PLAIN 1000" in out
    assert "PARTED 333" in out
    # S3A's committers leave a JSON manifest as _SUCCESS (Spark's own leaves an empty file)
    for prefix in ("plain/", "parted/"):
        success = s3_client.get_object(Bucket=BUCKET, Key=f"{prefix}_SUCCESS")["Body"].read()
        manifest = json.loads(success)
        assert manifest["committer"] == "magic"
        assert manifest["filenames"]
    keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert not [key for key in keys if "__magic" in key or "_temporary" in key]
    # a documented limit: Hadoop 3.3.4's S3A committers cannot overwrite partitions dynamically
    assert "DYNAMIC refused: True" in out
