"""GlueContext's sources and sinks (local files and S3 on moto), purge_s3_path, Job and logger."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

from awsglue._storage import Storage
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job


def from_files(ctx: Any, paths: list[str], fmt: str, **options: Any) -> DynamicFrame:
    frame: DynamicFrame = ctx.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": paths, **options.pop("connection", {})},
        format=fmt,
        format_options=options,
    )
    return frame


def test_json_folder_with_and_without_recurse(glue_context: Any, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.json").write_text('{"a": 1}\n{"a": 2}\n')
    (tmp_path / "sub" / "b.json").write_text('{"a": 3}\n')
    flat = from_files(glue_context, [str(tmp_path)], "json")
    assert flat.count() == 2
    deep = from_files(
        glue_context,
        [f"file://{tmp_path}"],
        "json",
        connection={"recurse": True, "groupFiles": "inPartition"},
    )
    assert sorted(r.a for r in deep.toDF().collect()) == [1, 2, 3]


def test_json_multiline(glue_context: Any, tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text('[{"a": 1},\n {"a": 2}]')
    frame = from_files(glue_context, [str(tmp_path / "m.json")], "json", multiLine=True)
    assert frame.count() == 2


def test_csv_format_options(glue_context: Any, tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("id|name\n1|'a|b'\n2|c\n")
    with_header = from_files(
        glue_context,
        [str(tmp_path / "h.csv")],
        "csv",
        withHeader=True,
        separator="|",
        quoteChar="'",
    )
    assert with_header.toDF().columns == ["id", "name"]
    assert sorted(tuple(r) for r in with_header.toDF().collect()) == [(1, "a|b"), (2, "c")]
    plain = from_files(glue_context, [str(tmp_path / "h.csv")], "csv", separator="|")
    assert plain.toDF().columns == ["col0", "col1"] and plain.count() == 3
    skipped = from_files(
        glue_context, [str(tmp_path / "h.csv")], "csv", separator="|", skipFirst=True
    )
    assert skipped.toDF().columns == ["col0", "col1"] and skipped.count() == 2


def test_write_read_parquet_orc_json_csv_with_partitions(
    glue_context: Any, spark: Any, tmp_path: Path
) -> None:
    frame = DynamicFrame.fromDF(
        spark.createDataFrame([(1, "x", "2024"), (2, "y", "2025")], ["id", "v", "year"]),
        glue_context,
        "f",
    )
    for fmt in ("parquet", "orc", "json", "csv"):
        out = tmp_path / fmt
        glue_context.write_dynamic_frame.from_options(
            frame=frame,
            connection_type="s3",
            connection_options={"path": str(out), "partitionKeys": ["year"]},
            format=fmt,
        )
        assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["year=2024", "year=2025"]
        options = {"withHeader": True} if fmt == "csv" else {}
        back = from_files(glue_context, [str(out)], fmt, **options)
        assert sorted(r.id for r in back.toDF().collect()) == [1, 2], fmt
    data_frame = glue_context.create_data_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [str(tmp_path / "parquet")]},
        format="parquet",
    )
    assert data_frame.count() == 2 and not isinstance(data_frame, DynamicFrame)


def test_unsupported_format_and_connection_are_clear(glue_context: Any, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="supports the formats"):
        from_files(glue_context, [str(tmp_path)], "avro")
    with pytest.raises(ValueError, match="connection_type"):
        glue_context.create_dynamic_frame.from_options(
            connection_type="jdbc", connection_options={}
        )


def test_from_catalog_says_there_is_no_catalog(glue_context: Any) -> None:
    with pytest.raises(RuntimeError, match="no Data Catalog"):
        glue_context.create_dynamic_frame.from_catalog(database="db", table_name="t")
    with pytest.raises(RuntimeError, match="no Data Catalog"):
        glue_context.create_data_frame.from_catalog(database="db", table_name="t")


def test_purge_a_local_path_keeps_recent_files(glue_context: Any, tmp_path: Path) -> None:
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text("o")
    new.write_text("n")
    two_days_ago = time.time() - 48 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    glue_context.purge_s3_path(f"file://{tmp_path}", {"retentionPeriod": 24})
    assert not old.exists() and new.exists()
    glue_context.purge_s3_path(str(tmp_path), {"retentionPeriod": 0})
    assert not new.exists()


def test_s3_read_write_and_purge_staged_through_boto3(
    glue_context: Any, spark: Any, s3_endpoint: str, s3_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GLUERUN_S3_ENDPOINT_URL", s3_endpoint)
    ctx = GlueContext(spark.sparkContext)
    assert isinstance(ctx.storage, Storage) and not ctx.storage.s3a
    s3_client.create_bucket(Bucket="ctx-bucket")
    s3_client.put_object(Bucket="ctx-bucket", Key="in/a.json", Body=b'{"n": 1}\n{"n": 2}\n')
    s3_client.put_object(Bucket="ctx-bucket", Key="in/deeper/b.json", Body=b'{"n": 3}\n')
    frame = from_files(ctx, ["s3://ctx-bucket/in/"], "json", connection={"recurse": True})
    assert sorted(r.n for r in frame.toDF().collect()) == [1, 2, 3]
    single = from_files(ctx, ["s3://ctx-bucket/in/a.json"], "json")
    assert single.count() == 2
    ctx.write_dynamic_frame.from_options(
        frame=frame,
        connection_type="s3",
        connection_options={"path": "s3://ctx-bucket/out"},
        format="json",
    )
    keys = [
        o["Key"] for o in s3_client.list_objects_v2(Bucket="ctx-bucket", Prefix="out/")["Contents"]
    ]
    assert keys and all(k.startswith("out/") and not k.endswith(".crc") for k in keys)
    assert from_files(ctx, ["s3://ctx-bucket/out"], "json").count() == 3
    ctx.purge_s3_path("s3://ctx-bucket/out/", {"retentionPeriod": 0})
    assert "Contents" not in s3_client.list_objects_v2(Bucket="ctx-bucket", Prefix="out/")
    with pytest.raises(FileNotFoundError):
        from_files(ctx, ["s3://ctx-bucket/missing/"], "json")


def test_job_init_commit(glue_context: Any) -> None:
    job = Job(glue_context)
    assert not job.isInitialized()
    with pytest.raises(RuntimeError, match=r"before Job\.init"):
        job.commit()
    job.init("etl", {"JOB_NAME": "etl"})
    assert job.isInitialized() and job.name == "etl" and job.args == {"JOB_NAME": "etl"}
    job.commit()
    assert job.committed


def test_logger_and_spark_session(glue_context: Any, spark: Any, capsys: Any) -> None:
    glue_context.get_logger().info("hello from the job")
    assert "hello from the job" in capsys.readouterr().err
    assert glue_context.spark_session is spark
    assert json.loads(json.dumps(glue_context.sql("select 1 as x").first().asDict())) == {"x": 1}
