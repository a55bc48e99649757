"""Bookmarked file reads in process: partition columns survive the file-by-file selection.

A `BookmarkContext` is installed by hand (as ``Job.init`` would); local folders and S3 staged
through boto3 (moto) must give the partition columns a read of the whole folder gives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from awsglue._bookmarks import BookmarkContext
from awsglue.context import GlueContext


def read(glue_context: Any, path: str, ctx: str) -> list[tuple[Any, ...]]:
    frame = glue_context.create_data_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [path]},
        format="json",
        transformation_ctx=ctx,
    )
    return sorted((row["id"], row["day"]) for row in frame.collect())


def test_local_partition_folders_keep_their_columns(
    glue_context: Any, tmp_path: Path, bookmarks: BookmarkContext
) -> None:
    for day, row in ((1, 1), (2, 2)):
        folder = tmp_path / f"day={day}"
        folder.mkdir()
        (folder / f"{row}.json").write_text(json.dumps({"id": row}) + "\n")
    everything = read(glue_context, str(tmp_path), "")
    assert everything == [(1, 1), (2, 2)]
    assert read(glue_context, str(tmp_path), "src") == everything
    bookmarks.lower, bookmarks.updates = bookmarks.document(), {}
    (tmp_path / "day=3").mkdir()
    (tmp_path / "day=3" / "3.json").write_text(json.dumps({"id": 3}) + "\n")
    assert read(glue_context, f"file://{tmp_path}", "src") == [(3, 3)]


def test_s3_partition_folders_keep_their_columns(
    spark: Any,
    s3_endpoint: str,
    s3_client: Any,
    monkeypatch: pytest.MonkeyPatch,
    bookmarks: BookmarkContext,
) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "GLUERUN_S3_ENDPOINT_URL": s3_endpoint,
    }.items():
        monkeypatch.setenv(key, value)
    context = GlueContext(spark.sparkContext)
    s3_client.create_bucket(Bucket="parts")
    for day, row in ((1, 1), (1, 2), (2, 3)):
        body = json.dumps({"id": row}).encode() + b"\n"
        s3_client.put_object(Bucket="parts", Key=f"in/day={day}/{row}.json", Body=body)
    assert read(context, "s3://parts/in/", "src") == [(1, 1), (2, 1), (3, 2)]
    assert len(bookmarks.document()["src"]["include_list"]) == 3
