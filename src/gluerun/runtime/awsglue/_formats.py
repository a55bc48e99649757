"""Glue's file formats and their ``format_options``, read and written with Spark's own sources.

Reads: json (``multiLine``), csv (``withHeader``, ``separator``, ``quoteChar``, ``escaper``,
``multiLine``, ``skipFirst``; columns are ``col0``, ``col1``, ... without a header, as in Glue),
parquet, orc. Writes: json, csv (``writeHeader``, ``separator``, ``quoteChar``, ``escaper``),
parquet (also ``glueparquet``; ``compression``), orc. Writes append, as Glue's sinks do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyspark.sql import DataFrame, DataFrameReader, DataFrameWriter, SparkSession

from ._choice import json_with_choices

__all__ = ["read", "write"]

READ_FORMATS = ("json", "csv", "parquet", "orc")
WRITE_FORMATS = ("json", "csv", "parquet", "glueparquet", "orc")
#: Glue's quoteChar value that turns quoting off
_NO_QUOTE = "-1"


def _flag(options: Mapping[str, Any], name: str, default: bool = False) -> bool:
    value = options.get(name, default)
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _format(name: str | None, allowed: Sequence[str], what: str) -> str:
    lowered = (name or "").strip().lower()
    if lowered not in allowed:
        raise ValueError(
            f"gluerun's awsglue {what} supports the formats {', '.join(allowed)}; not {name!r}"
        )
    return lowered


def read(
    spark: SparkSession,
    paths: Sequence[str],
    format: str | None,
    format_options: Mapping[str, Any],
    recurse: bool,
    base_path: str | None = None,
    choices: bool = False,
) -> DataFrame:
    """A DataFrame of the files at `paths` in Glue's `format`; partition columns are found
    in the folders between `base_path` and each file. With `choices` (DynamicFrame reads),
    mixed-type JSON fields become choice types (see ``_choice``)."""
    fmt = _format(format, READ_FORMATS, "reader")
    reader = spark.read
    if recurse:
        reader = reader.option("recursiveFileLookup", "true")
    elif base_path:
        reader = reader.option("basePath", base_path)
    if fmt == "json":
        multi_line = _flag(format_options, "multiLine")
        frame = reader.option("multiLine", multi_line).json(list(paths))
        if choices and not multi_line:
            return json_with_choices(reader, paths, frame)
        return frame
    if fmt == "csv":
        return _read_csv(reader, paths, format_options)
    if fmt == "parquet":
        return reader.parquet(*paths)
    return reader.orc(list(paths))


def _read_csv(
    reader: DataFrameReader, paths: Sequence[str], options: Mapping[str, Any]
) -> DataFrame:
    header = _flag(options, "withHeader")
    skip_first = _flag(options, "skipFirst") and not header
    reader = _csv_options(reader, options)
    reader = reader.option("inferSchema", "true").option("header", header or skip_first)
    reader = reader.option("multiLine", _flag(options, "multiLine"))
    frame = reader.csv(list(paths))
    if header:
        return frame
    return frame.toDF(*[f"col{index}" for index in range(len(frame.columns))])


def _csv_options(target: Any, options: Mapping[str, Any]) -> Any:
    """Glue's separator/quoteChar/escaper as Spark's sep/quote/escape on a reader or writer."""
    target = target.option("sep", str(options.get("separator", ",")))
    quote = str(options.get("quoteChar", '"'))
    target = target.option("quote", "\u0000" if quote == _NO_QUOTE else quote)
    if options.get("escaper"):
        target = target.option("escape", str(options["escaper"]))
    return target


def write(
    frame: DataFrame,
    path: str,
    format: str | None,
    format_options: Mapping[str, Any],
    partition_keys: Sequence[str],
) -> None:
    """Append `frame` to `path` in Glue's `format`, partitioned by `partition_keys`."""
    fmt = _format(format, WRITE_FORMATS, "writer")
    writer: DataFrameWriter = frame.write.mode("append")
    if partition_keys:
        writer = writer.partitionBy(*partition_keys)
    if fmt == "json":
        writer.json(path)
    elif fmt == "csv":
        writer = _csv_options(writer, format_options)
        writer.option("header", _flag(format_options, "writeHeader", True)).csv(path)
    elif fmt in ("parquet", "glueparquet"):
        compression = str(format_options.get("compression", "snappy"))
        writer.option("compression", compression).parquet(path)
    else:
        writer.orc(path)
