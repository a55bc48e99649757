"""``--datalake-formats``: Iceberg tables in gluerun's own Data Catalog, Delta and Hudi upserts.

Runs go through the API on a live server (S3 on moto); the formats' jars are fetched once per
machine (live_server.SPARK_PACKAGES_DIR). Slow: each run starts a driver JVM with the format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from spark_support import Server, run_script

pytestmark = pytest.mark.slow

CATALOG = "spark.sql.catalog.glue_catalog"
#: the settings Glue's documentation has an Iceberg job give itself
ICEBERG_CONF = " --conf ".join(
    [
        "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        f"{CATALOG}=org.apache.iceberg.spark.SparkCatalog",
        f"{CATALOG}.warehouse=s3://lake-bucket/warehouse/",
        f"{CATALOG}.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog",
        f"{CATALOG}.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
    ]
)

ICEBERG_WRITE = """
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
spark.sql("CREATE DATABASE IF NOT EXISTS glue_catalog.lakedb")
spark.sql("CREATE TABLE glue_catalog.lakedb.events (id bigint, name string) USING iceberg")
spark.sql("INSERT INTO glue_catalog.lakedb.events VALUES (1, 'a'), (2, 'b')")
spark.sql("INSERT INTO glue_catalog.lakedb.events VALUES (3, 'c')")
print("WROTE", spark.table("glue_catalog.lakedb.events").count())
"""

ICEBERG_READ = """
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
rows = spark.sql("SELECT id, name FROM glue_catalog.lakedb.events ORDER BY id").collect()
print("READ", [(row.id, row.name) for row in rows])
snapshots = spark.sql("SELECT * FROM glue_catalog.lakedb.events.snapshots").count()
print("SNAPSHOTS", snapshots)
"""

#: an Iceberg catalog that is not Glue's, still with Iceberg's own S3 client (S3FileIO)
HADOOP_CATALOG_CONF = " --conf ".join(
    [
        "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        "spark.sql.catalog.files=org.apache.iceberg.spark.SparkCatalog",
        "spark.sql.catalog.files.type=hadoop",
        "spark.sql.catalog.files.warehouse=s3://lake-bucket/hadoop-warehouse",
        "spark.sql.catalog.files.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
    ]
)

HADOOP_CATALOG_SCRIPT = """
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
spark.sql("CREATE TABLE files.db.points (id bigint) USING iceberg")
spark.sql("INSERT INTO files.db.points VALUES (1), (2)")
print("POINTS", spark.table("files.db.points").count())
"""

DELTA_CONF = " --conf ".join(
    [
        "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.delta.logStore.class=org.apache.spark.sql.delta.storage.S3SingleDriverLogStore",
    ]
)

DELTA_WRITE = """
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
people = spark.createDataFrame([(1, "ann"), (2, "bob"), (3, "cy")], ["id", "name"])
people.write.format("delta").mode("overwrite").save("s3://lake-bucket/delta/people")
print("WROTE", spark.read.format("delta").load("s3://lake-bucket/delta/people").count())
"""

DELTA_MERGE = """
from delta.tables import DeltaTable
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
table = DeltaTable.forPath(spark, "s3://lake-bucket/delta/people")
updates = spark.createDataFrame([(2, "bobby"), (4, "dee")], ["id", "name"])
(
    table.alias("t")
    .merge(updates.alias("u"), "t.id = u.id")
    .whenMatchedUpdateAll()
    .whenNotMatchedInsertAll()
    .execute()
)
rows = table.toDF().orderBy("id").collect()
print("MERGED", [(row.id, row.name) for row in rows])
print("VERSIONS", table.history().count())
"""

HUDI_CONF = " --conf ".join(
    [
        "spark.serializer=org.apache.spark.serializer.KryoSerializer",
        "spark.sql.extensions=org.apache.spark.sql.hudi.HoodieSparkSessionExtension",
        "spark.sql.catalog.spark_catalog=org.apache.spark.sql.hudi.catalog.HoodieCatalog",
        "spark.kryo.registrator=org.apache.spark.HoodieSparkKryoRegistrar",
    ]
)

HUDI_UPSERT = """
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
path = "s3://lake-bucket/hudi/people"
options = {
    "hoodie.table.name": "people",
    "hoodie.datasource.write.recordkey.field": "id",
    "hoodie.datasource.write.precombine.field": "ts",
    "hoodie.datasource.write.partitionpath.field": "",
    "hoodie.datasource.write.operation": "upsert",
}
first = spark.createDataFrame([(1, "ann", 1), (2, "bob", 1)], ["id", "name", "ts"])
first.write.format("hudi").options(**options).mode("overwrite").save(path)
second = spark.createDataFrame([(2, "bobby", 2), (3, "cy", 2)], ["id", "name", "ts"])
second.write.format("hudi").options(**options).mode("append").save(path)
rows = spark.read.format("hudi").load(path).select("id", "name").orderBy("id").collect()
print("UPSERTED", [(row.id, row.name) for row in rows])
"""


@pytest.fixture(scope="module")
def lake_bucket(s3_client: Any) -> str:
    s3_client.create_bucket(Bucket="lake-bucket")
    return "lake-bucket"


def test_an_iceberg_table_in_the_glue_catalog_is_read_by_a_second_job(
    spark_server: Server, s3_client: Any, lake_bucket: str, tmp_path: Path
) -> None:
    args = {"--datalake-formats": "iceberg", "--conf": ICEBERG_CONF}
    write, read = tmp_path / "write.py", tmp_path / "read.py"
    write.write_text(ICEBERG_WRITE)
    read.write_text(ICEBERG_READ)
    assert "WROTE 3" in run_script(spark_server, "iceberg-write", write, args)
    table = spark_server.client().get_table(DatabaseName="lakedb", Name="events")["Table"]
    assert table["Parameters"]["table_type"].upper() == "ICEBERG"
    metadata = table["Parameters"]["metadata_location"]
    assert metadata.startswith("s3://lake-bucket/warehouse/lakedb.db/events/metadata/")
    key = metadata[len("s3://lake-bucket/") :]
    assert s3_client.head_object(Bucket=lake_bucket, Key=key)["ContentLength"] > 0
    out = run_script(spark_server, "iceberg-read", read, args)
    assert "READ [(1, 'a'), (2, 'b'), (3, 'c')]" in out
    assert "SNAPSHOTS 2" in out


def test_an_iceberg_hadoop_catalog_with_s3fileio_reaches_the_endpoint(
    spark_server: Server, s3_client: Any, lake_bucket: str, tmp_path: Path
) -> None:
    script = tmp_path / "hadoop_catalog.py"
    script.write_text(HADOOP_CATALOG_SCRIPT)
    args = {"--datalake-formats": "iceberg", "--conf": HADOOP_CATALOG_CONF}
    assert "POINTS 2" in run_script(spark_server, "iceberg-hadoop", script, args)
    prefix = "hadoop-warehouse/db/points/data/"
    listed = s3_client.list_objects_v2(Bucket=lake_bucket, Prefix=prefix)
    assert any(o["Key"].endswith(".parquet") for o in listed["Contents"])


def test_a_delta_table_on_s3_takes_an_upsert(
    spark_server: Server, s3_client: Any, lake_bucket: str, tmp_path: Path
) -> None:
    args = {"--datalake-formats": "delta", "--conf": DELTA_CONF}
    write, merge = tmp_path / "write.py", tmp_path / "merge.py"
    write.write_text(DELTA_WRITE)
    merge.write_text(DELTA_MERGE)
    assert "WROTE 3" in run_script(spark_server, "delta-write", write, args)
    out = run_script(spark_server, "delta-merge", merge, args)
    assert "MERGED [(1, 'ann'), (2, 'bobby'), (3, 'cy'), (4, 'dee')]" in out
    assert "VERSIONS 2" in out
    log = s3_client.list_objects_v2(Bucket=lake_bucket, Prefix="delta/people/_delta_log/")
    assert [o["Key"].rsplit("/", 1)[-1] for o in log["Contents"] if o["Key"].endswith(".json")] == [
        "00000000000000000000.json",
        "00000000000000000001.json",
    ]


def test_a_hudi_table_on_s3_takes_an_upsert(
    spark_server: Server, s3_client: Any, lake_bucket: str, tmp_path: Path
) -> None:
    script = tmp_path / "hudi.py"
    script.write_text(HUDI_UPSERT)
    args = {"--datalake-formats": "hudi", "--conf": HUDI_CONF}
    out = run_script(spark_server, "hudi-upsert", script, args)
    assert "UPSERTED [(1, 'ann'), (2, 'bobby'), (3, 'cy')]" in out
    listed = s3_client.list_objects_v2(Bucket=lake_bucket, Prefix="hudi/people/.hoodie/")
    assert any(o["Key"].endswith(".commit") for o in listed["Contents"])
