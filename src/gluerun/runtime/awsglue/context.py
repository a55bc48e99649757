"""``GlueContext``: Glue's entry point on plain PySpark: a SQLContext with readers, writers.

Sources and sinks are files, ``connection_type`` ``s3`` (or ``file``) with ``paths`` that are
``s3://`` URIs, ``file://`` URIs or local paths, and JDBC tables, ``connection_type``
``postgresql`` or ``mysql`` (see ``_jdbc``), also through catalog connections
(``connectionName``, ``from_jdbc_conf``, ``extract_jdbc_conf``: see ``_connections``). The
``from_catalog`` methods read and write Data Catalog tables through the gluerun server (see
``_context_catalog``, ``_catalog_read`` and ``_catalog_write``); ``getSink`` returns a ``DataSink``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, Sequence
from functools import reduce
from typing import Any

from pyspark import SparkContext
from pyspark.sql import DataFrame, SparkSession, SQLContext
from pyspark.sql.types import StructType

from . import (
    _bookmarks,
    _formats,
    _jdbc,
    _spark_catalog,
)
from ._catalog_api import catalog
from ._context_api import ContextApi
from ._context_catalog import CatalogMethods
from ._storage import MODE_CONF, Storage
from .dataframewriter import DataFrameWriter
from .dynamicframe import DynamicFrame

__all__ = ["GlueContext", "GlueLogger", "register"]

_FILE_CONNECTIONS = ("s3", "file")
_DEFAULT_RETENTION_HOURS = 168.0


def register(sc: SparkContext) -> None:
    """aws-glue-libs loads Glue's JVM classes here; gluerun needs none."""


class GlueLogger:
    """Glue's logger: ``info``, ``warn`` and ``error`` lines on the driver's stderr."""

    def __init__(self, name: str = "GlueLogger") -> None:
        self._logger = logging.getLogger(name)
        if not self._logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(
                logging.Formatter(
                    "%(asctime)s %(levelname)s %(name)s: %(message)s", "%y/%m/%d %H:%M:%S"
                )
            )
            self._logger.addHandler(handler)
            self._logger.setLevel(logging.INFO)
            self._logger.propagate = False

    def info(self, message: str) -> None:
        self._logger.info(message)

    def warn(self, message: str) -> None:
        self._logger.warning(message)

    def error(self, message: str) -> None:
        self._logger.error(message)


class GlueContext(ContextApi, CatalogMethods, SQLContext):
    """Wraps a SparkContext; reads and writes DynamicFrames (see the module docstring)."""

    def __init__(self, sparkContext: SparkContext, **options: Any) -> None:
        spark = SparkSession.builder.getOrCreate()
        super().__init__(sparkContext, spark)
        self.spark_session = spark
        self._glue_options = dict(options)
        s3a = sparkContext.getConf().get(MODE_CONF, "staging") == "s3a"
        self._storage = Storage(s3a=s3a)
        if _spark_catalog.enabled(sys.argv):
            # --enable-glue-datacatalog: spark.sql sees the catalog's tables
            _spark_catalog.attach(spark, catalog(), self._storage)
        self.create_dynamic_frame = DynamicFrameReader(self)
        self.create_data_frame = DataFrameReader(self)
        self.write_dynamic_frame = DynamicFrameWriter(self)
        self.write_data_frame = DataFrameWriter(self)

    @property
    def storage(self) -> Storage:
        """How this context reaches its paths (local, s3a or staged through boto3)."""
        return self._storage

    def get_logger(self) -> GlueLogger:
        return GlueLogger()

    # -- sources ------------------------------------------------------------------------

    def create_data_frame_from_options(
        self,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        **kwargs: Any,
    ) -> DataFrame:
        """A DataFrame of the files at ``connection_options["paths"]`` in `format`, or of a
        JDBC table (`push_down_predicate` filters nothing: see the DynamicFrame one)."""
        return self._read(
            connection_type, connection_options, format, format_options, transformation_ctx
        )

    def _read(
        self,
        connection_type: str,
        connection_options: Mapping[str, Any] | None,
        format: str | None,
        format_options: Mapping[str, Any] | None,
        transformation_ctx: str,
        choices: bool = False,
    ) -> DataFrame:
        """The read behind every ``from_options``; `choices` for DynamicFrames (``_choice``)."""
        options = dict(connection_options or {})
        _check_connection(connection_type)
        if connection_type in _jdbc.CONNECTIONS:
            return _jdbc.read(self.spark_session, connection_type, options, transformation_ctx)
        paths = options.get("paths") or ([options["path"]] if options.get("path") else [])
        if isinstance(paths, str):
            paths = [paths]
        if not paths:
            raise ValueError("connection_options must name the data: {'paths': [...]}")
        recurse = str(options.get("recurse", False)).lower() == "true"
        wanted = [str(p) for p in paths]
        fmt_options = format_options or {}
        bookmarks = _bookmarks.current()
        if bookmarks is None or not bookmarks.active or not transformation_ctx:
            readable = self._storage.read_paths(wanted)
            return _formats.read(
                self.spark_session, readable, format, fmt_options, recurse, choices=choices
            )
        listed = _bookmarks.list_files(wanted, recurse, self._storage)
        chosen = bookmarks.select(transformation_ctx, listed)
        if not chosen:
            return self.spark_session.createDataFrame([], StructType([]))
        groups: dict[str, list[str]] = {}
        for entry in chosen:
            groups.setdefault(entry.root, []).append(entry.path)
        frames = []
        for root, files in groups.items():
            base, readable = self._storage.read_files(root, files)
            frames.append(
                _formats.read(
                    self.spark_session, readable, format, fmt_options, recurse, base, choices
                )
            )
        return reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)

    def create_dynamic_frame_from_options(
        self,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """A DynamicFrame of the files at ``connection_options["paths"]`` in `format`.

        `push_down_predicate` is accepted, as awsglue's signature has it, and filters nothing:
        Glue documents it only against a catalog table's partitions (from_catalog), which a
        read by paths does not have.
        """
        frame = self._read(
            connection_type, connection_options, format, format_options, transformation_ctx, True
        )
        return DynamicFrame.from_read(frame, self, transformation_ctx)

    # -- sinks --------------------------------------------------------------------------

    def write_dynamic_frame_from_options(
        self,
        frame: DynamicFrame,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
    ) -> DynamicFrame:
        """Append `frame` to ``connection_options["path"]`` in `format` (``partitionKeys``)."""
        self.write_data_frame_from_options(
            frame.toDF(), connection_type, connection_options, format, format_options
        )
        return frame

    def write_data_frame_from_options(
        self,
        frame: DataFrame,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
    ) -> None:
        """Append the DataFrame `frame` to ``connection_options["path"]`` in `format`, or to
        the JDBC table ``connection_options["dbtable"]``."""
        _check_connection(connection_type)
        options = dict(connection_options or {})
        if connection_type in _jdbc.CONNECTIONS:
            _jdbc.write(connection_type, options, frame)
            return
        path = options.get("path")
        if not path:
            raise ValueError("connection_options must name the destination: {'path': ...}")
        keys: Sequence[str] = options.get("partitionKeys") or []
        fmt_options = dict(format_options or {})
        self._storage.write(
            str(path), lambda target: _formats.write(frame, target, format, fmt_options, keys)
        )

    def purge_s3_path(
        self,
        s3_path: str,
        options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
    ) -> None:
        """Delete the files under `s3_path` older than ``retentionPeriod`` hours (default 168).

        ``excludeStorageClasses`` keeps objects of those storage classes. Local paths and
        ``file://`` URIs are purged too (a gluerun extension).
        """
        opts = dict(options or {})
        hours = float(opts.get("retentionPeriod", _DEFAULT_RETENTION_HOURS))
        excluded = list(opts.get("excludeStorageClasses", []))
        self._storage.purge(s3_path, hours, excluded)


class DynamicFrameReader:
    """``glueContext.create_dynamic_frame``: ``from_options`` and ``from_catalog``."""

    def __init__(self, glue_context: GlueContext) -> None:
        self._glue_context = glue_context

    def from_rdd(
        self,
        data: Any,
        name: str,
        schema: StructType | None = None,
        sampleRatio: float | None = None,
    ) -> DynamicFrame:
        return self._glue_context.create_dynamic_frame_from_rdd(data, name, schema, sampleRatio)

    def from_options(
        self,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        return self._glue_context.create_dynamic_frame_from_options(
            connection_type, connection_options, format, format_options, transformation_ctx
        )

    def from_catalog(
        self,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        return self._glue_context.create_dynamic_frame_from_catalog(
            database,
            table_name,
            redshift_tmp_dir,
            transformation_ctx,
            push_down_predicate,
            additional_options,
            catalog_id,
            **kwargs,
        )


class DataFrameReader:
    """``glueContext.create_data_frame``: ``from_options`` and ``from_catalog``."""

    def __init__(self, glue_context: GlueContext) -> None:
        self._glue_context = glue_context

    def from_options(
        self,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        **kwargs: Any,
    ) -> DataFrame:
        return self._glue_context.create_data_frame_from_options(
            connection_type, connection_options, format, format_options, transformation_ctx
        )

    def from_catalog(
        self,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> DataFrame:
        return self._glue_context.create_data_frame_from_catalog(
            database,
            table_name,
            redshift_tmp_dir,
            transformation_ctx,
            push_down_predicate,
            additional_options,
            catalog_id,
            **kwargs,
        )


class DynamicFrameWriter:
    """``glueContext.write_dynamic_frame``: ``from_options`` and ``from_catalog``."""

    def __init__(self, glue_context: GlueContext) -> None:
        self._glue_context = glue_context

    def from_options(
        self,
        frame: DynamicFrame,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
    ) -> DynamicFrame:
        return self._glue_context.write_dynamic_frame_from_options(
            frame, connection_type, connection_options, format, format_options, transformation_ctx
        )

    def from_catalog(
        self,
        frame: DynamicFrame,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        return self._glue_context.write_dynamic_frame_from_catalog(
            frame,
            database,
            table_name,
            redshift_tmp_dir,
            transformation_ctx,
            additional_options,
            catalog_id,
            **kwargs,
        )

    def from_jdbc_conf(
        self,
        frame: DynamicFrame,
        catalog_connection: str,
        connection_options: Mapping[str, Any] | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        return self._glue_context.write_dynamic_frame_from_jdbc_conf(
            frame,
            catalog_connection,
            connection_options,
            redshift_tmp_dir,
            transformation_ctx,
            catalog_id,
        )


def _check_connection(connection_type: str) -> None:
    if connection_type not in _FILE_CONNECTIONS and connection_type not in _jdbc.CONNECTIONS:
        raise ValueError(
            "gluerun's awsglue supports connection_type 's3' (s3://, file:// or local paths), "
            f"'postgresql' and 'mysql'; not {connection_type!r}"
        )
