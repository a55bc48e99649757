"""Record-at-a-time transforms (Map, Filter, mapPartitions) with Glue's error records.

Functions here run on the executors, which import them from this module, so it must stay
importable there without gluerun. Each record reaches the user's function as a
``DynamicRecord`` (a dict with attribute access); every output element is tagged as a
record or as an error record, and the caller splits the two.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pyspark.rdd import RDD
from pyspark.sql import DataFrame, Row, SparkSession

from ._errors import ERROR_SCHEMA, error_row
from .gluetypes import DynamicRecord

__all__ = ["filter_records", "map_partitions", "map_records"]

Record = dict[str, Any]
Tagged = tuple[bool, Any]
#: exceptions that make Filter drop a record (Glue's rule); others make it an error record
_FILTER_SKIPS = (KeyError, ValueError, TypeError)
_NONE_RESULT = "User-specified function returned None instead of DynamicRecord"


def _record(row: Row) -> DynamicRecord:
    return DynamicRecord(row.asDict(recursive=True))


def _as_row(value: Any) -> Any:
    """Records (dicts) as Rows all the way down, so Spark infers structs, not maps."""
    if isinstance(value, dict):
        return Row(**{key: _as_row(item) for key, item in value.items()})
    if isinstance(value, list):
        return [_as_row(item) for item in value]
    return value


def _map_one(f: Callable[[DynamicRecord], Any], ctx: str, info: str, row: Row) -> Tagged:
    record = _record(row)
    try:
        result = f(record)
    except Exception as exc:
        return False, error_row(str(exc), dict(row.asDict(recursive=True)), exc, ctx, info)
    if not result:
        return False, error_row(_NONE_RESULT, dict(record), None, ctx, info)
    return True, _as_row(dict(result))


def _keep_one(f: Callable[[DynamicRecord], Any], ctx: str, info: str, row: Row) -> Iterator[Tagged]:
    try:
        if f(_record(row)):
            yield True, row
    except _FILTER_SKIPS:
        return
    except Exception as exc:
        yield False, error_row(str(exc), row.asDict(recursive=True), exc, ctx, info)


def _split(tagged: RDD[Tagged]) -> tuple[RDD[Any], RDD[Any]]:
    """The records and the error rows of a tagged RDD, computed once (cached)."""
    tagged = tagged.cache()
    good = tagged.filter(lambda item: item[0]).map(lambda item: item[1])
    bad = tagged.filter(lambda item: not item[0]).map(lambda item: item[1])
    return good, bad


def infer(spark: SparkSession, rows: RDD[Any]) -> DataFrame:
    """A DataFrame of `rows`, its schema inferred from all of them."""
    rows = rows.cache()
    try:
        return spark.createDataFrame(rows, samplingRatio=1.0)
    except (ValueError, TypeError):
        # Nothing to infer from (no records, or a field None everywhere): via JSON,
        # where such fields become strings or disappear, as in a schema-on-read frame.
        text = rows.map(lambda row: json.dumps(row.asDict(recursive=True), default=str))
        return spark.read.json(text)


def map_records(
    frame: DataFrame, f: Callable[[DynamicRecord], Any], ctx: str = "", info: str = ""
) -> tuple[DataFrame, DataFrame]:
    """(`f` applied to every record, the error records of the records it failed on)."""
    good, bad = _split(frame.rdd.map(functools.partial(_map_one, f, ctx, info)))
    spark = frame.sparkSession
    return infer(spark, good), spark.createDataFrame(bad, ERROR_SCHEMA)


def filter_records(
    frame: DataFrame, f: Callable[[DynamicRecord], Any], ctx: str = "", info: str = ""
) -> tuple[DataFrame, DataFrame]:
    """(the records `f` is true for, the error records of unexpected exceptions in `f`)."""
    good, bad = _split(frame.rdd.flatMap(functools.partial(_keep_one, f, ctx, info)))
    spark = frame.sparkSession
    return spark.createDataFrame(good, frame.schema), spark.createDataFrame(bad, ERROR_SCHEMA)


def _partition(
    f: Callable[[int, Iterator[DynamicRecord]], Iterable[Record]],
    index: int,
    rows: Iterator[Row],
) -> Iterator[Any]:
    for result in f(index, (_record(row) for row in rows)):
        yield _as_row(dict(result))


def map_partitions(
    frame: DataFrame, f: Callable[[int, Iterator[DynamicRecord]], Iterable[Record]]
) -> DataFrame:
    """The records `f(partition index, records)` yields for each partition."""
    rows = frame.rdd.mapPartitionsWithIndex(functools.partial(_partition, f))
    return infer(frame.sparkSession, rows)
