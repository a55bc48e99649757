"""GlueContext's sources, samples and helpers; DataSource; awsglue.functions; gluetypes."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

from awsglue import gluetypes
from awsglue.dataframe_transforms import ApplyMapping as DataFrameApplyMapping
from awsglue.dynamicframe import DynamicFrame, DynamicFrameReader
from awsglue.functions import explodeWithIndex, namedStruct, replaceArrayElement
from awsglue.job import Job
from pyspark.sql import functions as F
from spark_support import Server


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("source")
    (path / "a.json").write_text('{"id": 1, "xs": [1, 2]}\n{"id": 2, "xs": [3]}\n{"id": 3}\n')
    return path


def test_get_source_reads_like_from_options(glue_context: Any, folder: Path) -> None:
    source = glue_context.getSource("s3", paths=[str(folder)], transformation_ctx="src")
    source.setFormat("json")
    assert source.getFrame().count() == 3
    assert source.getSampleFrame(2).count() == 2
    assert source.getDataFrame().columns == ["id", "xs"]
    sample = glue_context.create_sample_dynamic_frame_from_options(
        "s3", {"paths": [str(folder)]}, num=1, format="json"
    )
    assert sample.count() == 1


def test_frames_from_rdds_and_write_from_options(
    spark: Any, glue_context: Any, tmp_path: Path
) -> None:
    rdd = spark.sparkContext.parallelize([{"a": 1}, {"a": 2}])
    frame = glue_context.create_dynamic_frame.from_rdd(rdd, "r")
    assert isinstance(glue_context.create_dynamic_frame, DynamicFrameReader)
    assert frame.name == "r" and frame.count() == 2
    glue_context.write_from_options(frame, "s3", {"path": str(tmp_path / "out")}, "json")
    assert spark.read.json(str(tmp_path / "out")).count() == 2
    with pytest.raises(TypeError, match="one DynamicFrame"):
        glue_context.write_from_options(frame.split_fields(["a"], "x", "y"), "s3", {}, "json")


def test_ingestion_columns_time_and_resolve_options(spark: Any, glue_context: Any) -> None:
    frame = glue_context.add_ingestion_time_columns(spark.range(1), "hour")
    assert frame.columns == ["id", "ingest_year", "ingest_month", "ingest_day", "ingest_hour"]
    assert len(frame.first()["ingest_month"]) == 2
    with pytest.raises(ValueError, match="time_granularity"):
        glue_context.add_ingestion_time_columns(spark.range(1), "week")
    assert glue_context.currentTimeMillis() > 1_600_000_000_000
    option = glue_context.convert_resolve_option("a", "KeepAsStruct", None)
    assert (option.path, option.action) == ("a", "KeepAsStruct")
    with pytest.raises(NotImplementedError, match="transactions"):
        glue_context.start_transaction(False)


def test_functions_and_dataframe_apply_mapping(spark: Any) -> None:
    frame = spark.createDataFrame([([1, 2, 3], 9)], "xs array<int>, y int")
    replaced = frame.select(replaceArrayElement("xs", F.col("y"), 1).alias("xs")).first()
    assert replaced["xs"] == [1, 9, 3]
    assert frame.select(namedStruct([F.col("y")]).alias("s")).first()["s"]["y"] == 9
    exploded = frame.select(explodeWithIndex("xs")).collect()
    assert [(r["index"], r["val"]) for r in exploded] == [(0, 1), (1, 2), (2, 3)]
    mapped = DataFrameApplyMapping.apply(frame, [("y", "int", "why", "string")])
    assert mapped.dtypes == [("why", "string")]


CHOICE = gluetypes.ChoiceType([gluetypes.IntegerType(), gluetypes.StringType()])


def test_gluetypes_json_round_trip_and_merge() -> None:
    schema = gluetypes.StructType(
        [
            gluetypes.Field(
                "a", gluetypes.ChoiceType([gluetypes.IntegerType(), gluetypes.StringType()])
            ),
            gluetypes.Field("b", gluetypes.ArrayType(gluetypes.LongType())),
        ]
    )
    assert gluetypes.StructType.fromJsonValue(schema.jsonValue()) == schema
    assert schema.jsonValue()["fields"][0]["container"]["dataType"] == "choice"
    merged = gluetypes.mergeDataTypes(gluetypes.IntegerType(), gluetypes.StringType())
    assert isinstance(merged, gluetypes.ChoiceType) and sorted(merged.choices) == ["int", "string"]
    record = gluetypes.DynamicRecord({"x": 1})
    assert record.x == 1


def test_job_accepts_a_spark_session(spark: Any, glue_context: Any) -> None:
    assert Job(spark).isInitialized() is False
    assert Job.data_lineage_options() == ["--enable-data-lineage"]
    assert isinstance(
        DynamicFrame.fromDF(spark.range(1), glue_context).schema(), gluetypes.StructType
    )


def json_table(glue: Any, db: str, name: str, root: Path, keys: list[str]) -> None:
    glue.create_table(
        DatabaseName=db,
        TableInput={
            "Name": name,
            "Parameters": {"classification": "json"},
            "PartitionKeys": [{"Name": k, "Type": "string"} for k in keys],
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "tag", "Type": "string"}],
                "Location": root.as_uri() + "/",
            },
        },
    )


def test_catalog_conveniences(
    spark_server: Server,
    monkeypatch: pytest.MonkeyPatch,
    spark: Any,
    glue_context: Any,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("GLUERUN_ENDPOINT_URL", spark_server.endpoint)
    glue = spark_server.client()
    db = f"db_{uuid.uuid4().hex[:8]}"
    glue.create_database(DatabaseInput={"Name": db})
    json_table(glue, db, "plain", tmp_path / "plain", [])
    schema = glue_context.get_catalog_schema_as_spark_schema(db, "plain")
    assert [(f.name, f.dataType.simpleString()) for f in schema.fields] == [
        ("id", "bigint"),
        ("tag", "string"),
    ]
    rows = spark.createDataFrame([(1, "a"), (2, "b"), (3, "c")], "id bigint, tag string")
    glue_context.write_data_frame.from_catalog(rows, database=db, table_name="plain")
    sample = glue_context.create_sample_dynamic_frame_from_catalog(db, "plain", num=2)
    assert sample.count() == 2
    # purge_table: every file (retention 0) of the partitions the predicate keeps, and those
    # partitions leave the catalog; the other partition is untouched.
    json_table(glue, db, "parts", tmp_path / "parts", ["day"])
    for day in ("1", "2"):
        folder = tmp_path / "parts" / f"day={day}"
        folder.mkdir(parents=True)
        (folder / "part-0.json").write_text('{"id": 1, "tag": "x"}\n')
        glue.create_partition(
            DatabaseName=db,
            TableName="parts",
            PartitionInput={"Values": [day], "StorageDescriptor": {"Location": folder.as_uri()}},
        )
    options = {"retentionPeriod": 0, "partitionPredicate": "day = '1'"}
    glue_context.purge_table(db, "parts", options)
    assert not list((tmp_path / "parts" / "day=1").glob("*.json"))
    assert list((tmp_path / "parts" / "day=2").glob("*.json"))
    left = glue.get_partitions(DatabaseName=db, TableName="parts")["Partitions"]
    assert [p["Values"] for p in left] == [["2"]]
    glue_context.purge_table(db, "plain", {"retentionPeriod": 0})
    assert not [f for f in (tmp_path / "plain").rglob("*") if f.is_file() and f.suffix == ".json"]
