"""Error records: the records a transform could not process, kept beside a DynamicFrame.

As in Glue, a record that a Map function fails on (or returns None for), a record a Filter
function raises an unexpected exception on, and a malformed input record are not in the
frame's output but become *error records*. Each frame knows the error records of the
transform that made it (``stageErrorsCount``) and those of every earlier step
(``errorsCount``); ``errorsAsDynamicFrame`` shows them, one nested ``error`` struct each.
Thresholds follow Glue: 0 means no limit, otherwise more errors than the threshold raise.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

__all__ = [
    "ERROR_SCHEMA",
    "ErrorRecords",
    "ErrorThresholdExceeded",
    "error_row",
    "split_malformed",
]

#: one error record: what failed, why, and the record (or input text) it failed on
ERROR_SCHEMA = StructType(
    [
        StructField(
            "error",
            StructType(
                [
                    StructField("msg", StringType()),
                    StructField("errorType", StringType()),
                    StructField("stackTrace", StringType()),
                    StructField("input", StringType()),
                    StructField("transformation", StringType()),
                    StructField("info", StringType()),
                ]
            ),
        )
    ]
)


#: Spark's column for an input line its permissive reader could not parse
CORRUPT = "_corrupt_record"


class ErrorThresholdExceeded(Exception):
    """A transform produced more error records than its stageThreshold or totalThreshold."""


def error_row(
    message: str,
    record: Any,
    exc: BaseException | None = None,
    transformation: str = "",
    info: str = "",
) -> tuple[tuple[str, str, str, str, str, str]]:
    """One error record (a row of ERROR_SCHEMA) for `record` (a dict, or the input's text)."""
    text = record if isinstance(record, str) else json.dumps(record, default=str)
    kind = type(exc).__name__ if exc is not None else "GlueError"
    trace = "".join(traceback.format_exception(exc)) if exc is not None else ""
    return ((message, kind, trace, text, transformation, info),)


def split_malformed(frame: DataFrame) -> tuple[DataFrame, DataFrame | None]:
    """(the well-formed records of a JSON or CSV read, error records for the malformed ones).

    Spark's permissive readers put an unparsable line in ``_corrupt_record``.
    """
    if CORRUPT not in frame.columns:
        return frame, None
    # Spark refuses queries on raw JSON that reference only the corrupt column; cached is fine.
    cached = frame.cache()
    bad = F.col(CORRUPT).isNotNull()
    error = F.struct(
        F.lit("Malformed input record").alias("msg"),
        F.lit("MalformedRecord").alias("errorType"),
        F.lit("").alias("stackTrace"),
        F.col(CORRUPT).alias("input"),
        F.lit("").alias("transformation"),
        F.lit("").alias("info"),
    )
    errors = cached.where(bad).select(error.alias("error"))
    return cached.where(~bad).drop(CORRUPT), errors


@dataclass(frozen=True)
class ErrorRecords:
    """The error records of one frame: its own stage's and all earlier stages'.

    `stage` holds rows of ERROR_SCHEMA (None: the stage made none); `previous` is what the
    input frame carried.
    """

    stage: DataFrame | None = None
    previous: ErrorRecords | None = None
    stage_threshold: int = 0
    total_threshold: int = 0

    def then(
        self, stage: DataFrame | None = None, thresholds: Mapping[str, Any] | None = None
    ) -> ErrorRecords:
        """The records of a frame made from this one by a stage that produced `stage`."""
        limits = thresholds or {}
        return ErrorRecords(
            stage,
            self if self.total_frame() is not None else None,
            int(limits.get("stageThreshold", 0) or 0),
            int(limits.get("totalThreshold", 0) or 0),
        )

    def total_frame(self) -> DataFrame | None:
        frames = [f for f in (self._previous_frame(), self.stage) if f is not None]
        return reduce(DataFrame.unionByName, frames) if frames else None

    def _previous_frame(self) -> DataFrame | None:
        return self.previous.total_frame() if self.previous is not None else None

    def stage_count(self) -> int:
        return self.stage.count() if self.stage is not None else 0

    def total_count(self) -> int:
        total = self.total_frame()
        return total.count() if total is not None else 0

    def as_frame(self, spark: SparkSession) -> DataFrame:
        total = self.total_frame()
        return total if total is not None else spark.createDataFrame([], ERROR_SCHEMA)

    def check(self) -> None:
        """Raise when a threshold set for this stage is exceeded (0: no limit)."""
        if self.stage_threshold > 0:
            count = self.stage_count()
            if count > self.stage_threshold:
                raise ErrorThresholdExceeded(
                    f"{count} error records in this transformation exceed its stageThreshold "
                    f"of {self.stage_threshold}"
                )
        if self.total_threshold > 0:
            count = self.total_count()
            if count > self.total_threshold:
                raise ErrorThresholdExceeded(
                    f"{count} error records so far exceed the totalThreshold of "
                    f"{self.total_threshold}"
                )
