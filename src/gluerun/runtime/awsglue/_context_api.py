"""GlueContext's methods beyond reading and writing paths, tables and the catalog.

Sources (``getSource``), frames from RDDs and samples, ``write_from_options``,
``add_ingestion_time_columns``, ``convert_resolve_option`` and ``currentTimeMillis``; streaming,
storage-class transitions and Lake Formation transactions fail clearly. ``GlueContext``
inherits these from ``ContextApi``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pyspark.rdd import RDD
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from ._catalog_extras import CatalogExtras
from ._collection import DynamicFrameCollection, one_frame
from ._unsupported import unsupported
from .data_source import DataSource
from .dynamicframe import DynamicFrame, ResolveOption

if TYPE_CHECKING:
    from .context import GlueContext

__all__ = ["ContextApi"]

_STREAMING = "streaming sources are not part of gluerun's glueetl runs"
_TRANSITION = "S3 storage-class transitions have no meaning for gluerun's storage"
_TRANSACTIONS = "Lake Formation governed-table transactions are not provided by gluerun"
#: add_ingestion_time_columns: the columns each granularity adds, coarsest first
_INGESTION_COLUMNS = (
    ("ingest_year", "yyyy"),
    ("ingest_month", "MM"),
    ("ingest_day", "dd"),
    ("ingest_hour", "HH"),
    ("ingest_minute", "mm"),
)
_GRANULARITY = {"year": 1, "month": 2, "day": 3, "hour": 4, "minute": 5}


class ContextApi(CatalogExtras):
    """The part of GlueContext described in the module docstring."""

    def getSource(
        self,
        connection_type: str,
        format: str | None = None,
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        **options: Any,
    ) -> DataSource:
        """A source over `connection_type` with connection `options` (``paths``, ``url``...).

        `push_down_predicate` filters nothing here, as in create_dynamic_frame_from_options.
        """
        return DataSource(self._context, connection_type, format, transformation_ctx, options)

    @unsupported(_STREAMING)
    def getStreamingSource(self, connection_type: str, *args: Any, **options: Any) -> Any:
        raise NotImplementedError

    def create_dynamic_frame_from_rdd(
        self,
        data: RDD[Any] | list[Any],
        name: str,
        schema: StructType | None = None,
        sample_ratio: float | None = None,
        transformation_ctx: str = "",
    ) -> DynamicFrame:
        """A DynamicFrame of an RDD (or list) of dicts, Rows or tuples, as Spark infers it."""
        spark = self._context.spark_session
        create: Any = spark.createDataFrame  # its overloads do not cover this general call
        frame = create(data, schema, samplingRatio=sample_ratio)
        return DynamicFrame(frame, self._context, name)

    def create_sample_dynamic_frame_from_options(
        self,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        num: int | None = None,
        sample_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """The first `num` records of ``create_dynamic_frame_from_options`` (all if None)."""
        frame = self._context.create_dynamic_frame_from_options(
            connection_type,
            connection_options,
            format,
            format_options,
            transformation_ctx,
            push_down_predicate,
            **kwargs,
        )
        if num is None:
            return frame
        return DynamicFrame(frame.toDF().limit(int(num)), self._context, frame.name)

    def write_from_options(
        self,
        frame_or_dfc: DynamicFrame | DynamicFrameCollection,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """Write a DynamicFrame as ``write_dynamic_frame_from_options`` does (``accumulator_size``
        among `kwargs` is accepted, as awsglue's, and has no effect)."""
        return self._context.write_dynamic_frame_from_options(
            one_frame(frame_or_dfc),
            connection_type,
            connection_options,
            format,
            format_options,
            transformation_ctx,
        )

    def convert_resolve_option(self, path: str, action: str, target: Any) -> ResolveOption:
        """A ``toDF`` option: `action` ``Project``, ``KeepAsStruct`` or ``Cast`` to `target`."""
        return ResolveOption(path, action, target)

    @unsupported(_TRANSITION)
    def transition_s3_path(self, s3_path: str, transition_to: str, *args: Any) -> None:
        raise NotImplementedError

    def currentTimeMillis(self) -> int:
        return int(time.time() * 1000)

    @unsupported(_STREAMING)
    def getSampleStreamingDynamicFrame(self, frame: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @unsupported(_STREAMING)
    def forEachBatch(self, frame: Any, batch_function: Any, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def add_ingestion_time_columns(self, frame: DataFrame, time_granularity: str) -> DataFrame:
        """`frame` with ``ingest_year`` ... down to `time_granularity` (``year``, ``month``,
        ``day``, ``hour`` or ``minute``), from the current time, as zero-padded strings."""
        depth = _GRANULARITY.get(time_granularity.strip().lower())
        if depth is None:
            raise ValueError(f"time_granularity must be one of {', '.join(_GRANULARITY)}")
        now = F.current_timestamp()
        for column, pattern in _INGESTION_COLUMNS[:depth]:
            frame = frame.withColumn(column, F.date_format(now, pattern))
        return frame

    @unsupported(_TRANSACTIONS)
    def start_transaction(self, read_only: bool) -> str:
        raise NotImplementedError

    @unsupported(_TRANSACTIONS)
    def commit_transaction(self, transaction_id: str, wait_for_commit: bool = True) -> bool:
        raise NotImplementedError

    @unsupported(_TRANSACTIONS)
    def cancel_transaction(self, transaction_id: str) -> None:
        raise NotImplementedError

    @property
    def _context(self) -> GlueContext:
        return self  # type: ignore[return-value]
