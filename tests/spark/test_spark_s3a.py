"""s3:// through Hadoop's S3A, the default: plain Spark code and awsglue, through the API.

The servers fetch hadoop-aws and its AWS SDK once per machine (live_server.SPARK_PACKAGES_DIR);
S3 is a moto server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spark_support import Server, run_script

PLAIN_SCRIPT = """
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
events = spark.read.json("s3://plain-bucket/raw/events/")
events.write.mode("overwrite").parquet("s3://plain-bucket/out/parquet/")
events.write.mode("overwrite").option("header", True).csv("s3a://plain-bucket/out/csv/")
events.write.mode("overwrite").json("s3n://plain-bucket/out/json/")
print("PARQUET", spark.read.parquet("s3://plain-bucket/out/parquet/").count())
csv = spark.read.option("header", True).csv("s3://plain-bucket/out/csv/")
print("CSV", sorted(row.n for row in csv.collect()))
print("JSON", spark.read.json("s3://plain-bucket/out/json/").count())
"""

GLUE_SCRIPT = """
from awsglue.context import GlueContext
from pyspark.context import SparkContext

glueContext = GlueContext(SparkContext())
spark = glueContext.spark_session
print("MODE", spark.sparkContext.getConf().get("spark.gluerun.s3.mode"))
frame = glueContext.create_dynamic_frame.from_options(
    connection_type="s3", connection_options={"paths": ["s3://glue-bucket/in/"]}, format="json"
)
glueContext.write_dynamic_frame.from_options(
    frame=frame, connection_type="s3", connection_options={"path": "s3://glue-bucket/out/"},
    format="parquet",
)
print("BACK", spark.read.parquet("s3://glue-bucket/out/").count())
"""


def test_plain_spark_reads_and_writes_s3_paths(
    spark_server: Server, s3_client: Any, tmp_path: Path
) -> None:
    s3_client.create_bucket(Bucket="plain-bucket")
    for part in range(2):
        body = "".join(f'{{"n": {part * 10 + i}}}\n' for i in range(3)).encode()
        s3_client.put_object(Bucket="plain-bucket", Key=f"raw/events/{part}.json", Body=body)
    script = tmp_path / "plain.py"
    script.write_text(PLAIN_SCRIPT)
    out = run_script(spark_server, "plain-s3", script)
    assert "PARQUET 6" in out
    assert "CSV ['0', '1', '10', '11', '12', '2']" in out
    assert "JSON 6" in out
    keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket="plain-bucket")["Contents"]]
    assert any(k.startswith("out/parquet/part-") and k.endswith(".parquet") for k in keys)
    assert "out/parquet/_SUCCESS" in keys


def test_awsglue_readers_and_writers_use_s3a(
    spark_server: Server, s3_client: Any, tmp_path: Path
) -> None:
    s3_client.create_bucket(Bucket="glue-bucket")
    s3_client.put_object(Bucket="glue-bucket", Key="in/a.json", Body=b'{"a": 1}\n{"a": 2}\n')
    script = tmp_path / "glue.py"
    script.write_text(GLUE_SCRIPT)
    out = run_script(spark_server, "glue-s3a", script)
    assert "MODE s3a" in out
    assert "BACK 2" in out
