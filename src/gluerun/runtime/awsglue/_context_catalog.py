"""The Data Catalog methods of ``GlueContext``: ``from_catalog`` reads and writes, ``getSink``,
and JDBC through catalog connections (``extract_jdbc_conf``, ``write_from_jdbc_conf``).

Mixed into GlueContext (context.py); the work is done in ``_catalog_read``,
``_catalog_write``, ``_connections`` and ``data_sink``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pyspark.sql import DataFrame, SparkSession

from . import _catalog_read, _catalog_write, _connections, _jdbc
from ._catalog_api import catalog
from ._collection import DynamicFrameCollection, one_frame
from ._storage import Storage
from .data_sink import DataSink
from .dynamicframe import DynamicFrame

if TYPE_CHECKING:
    from .context import GlueContext

__all__ = ["CatalogMethods"]


class CatalogMethods:
    """GlueContext's catalog and catalog-connection methods."""

    spark_session: SparkSession
    _storage: Storage

    def write_data_frame_from_options(
        self,
        frame: DataFrame,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
    ) -> None:
        raise NotImplementedError  # GlueContext's

    @property
    def _as_context(self) -> GlueContext:
        return self  # type: ignore[return-value]

    def create_dynamic_frame_from_catalog(
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
        """A DynamicFrame of a Data Catalog table, its partition columns included;
        ``push_down_predicate`` and ``catalogPartitionPredicate`` prune partitions."""
        frame = self.create_data_frame_from_catalog(
            database,
            table_name,
            redshift_tmp_dir,
            transformation_ctx,
            push_down_predicate,
            additional_options,
            catalog_id,
            **kwargs,
        )
        return DynamicFrame(frame, self._as_context, transformation_ctx)

    def create_data_frame_from_catalog(
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
        """A DataFrame of a Data Catalog table (see `create_dynamic_frame_from_catalog`)."""
        db, table = _catalog_names(database, table_name, kwargs)
        options = dict(additional_options or {})
        client = catalog(catalog_id)
        found = _catalog_read.CatalogTable(client.get_table(db, table))
        if found.classification.lower() in _catalog_read.JDBC_CLASSIFICATIONS:
            return self._read_jdbc_table(found, options, transformation_ctx, catalog_id)
        return _catalog_read.read_table(
            self.spark_session,
            self._storage,
            client,
            db,
            table,
            push_down_predicate,
            options,
            transformation_ctx,
        )

    def _read_jdbc_table(
        self,
        table: _catalog_read.CatalogTable,
        options: Mapping[str, Any],
        ctx: str,
        catalog_id: str | None,
    ) -> DataFrame:
        """A table crawled from a JDBC connection: ``connectionName`` in its parameters, its
        Location ``database.schema.table`` (or ``schema.table``)."""
        connection = table.parameters.get("connectionName")
        if not connection:
            raise ValueError(f"JDBC table {table.database}.{table.name} has no connectionName")
        parts = table.location.split(".")
        dbtable = ".".join(parts[-2:]) if len(parts) > 1 else table.location
        jdbc = {**options, "connectionName": connection, "dbtable": dbtable}
        if len(parts) > 2:
            jdbc["database"] = parts[0]
        kind = table.classification.lower()
        return _jdbc.read(self.spark_session, kind, jdbc, ctx)

    def write_dynamic_frame_from_catalog(
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
        """Append `frame` to a catalog table's Location in its format; with
        ``enableUpdateCatalog`` the table's schema and partitions follow (``_catalog_write``)."""
        db, table_name = _catalog_names(database, table_name, kwargs)
        options = dict(additional_options or {})
        client = catalog(catalog_id)
        table = _catalog_read.CatalogTable(client.get_table(db, table_name))
        fmt, fmt_options = _catalog_write.sink_format(table)
        keys = list(options.get("partitionKeys") or [name for name, _ in table.keys])
        sink = DataSink(
            self._as_context, "s3", {**options, "path": table.location, "partitionKeys": keys}
        )
        sink.setFormat(fmt, **fmt_options)
        sink.setCatalogInfo(db, table_name, catalog_id or "")
        sink.writeFrame(frame)
        return frame

    def getSink(
        self,
        connection_type: str,
        format: str | None = None,
        transformation_ctx: str = "",
        **options: Any,
    ) -> DataSink:
        """A DataSink for `connection_type` (``s3`` with ``path``, or a JDBC type)."""
        sink = DataSink(self._as_context, connection_type, options, transformation_ctx)
        if format:
            sink.setFormat(format)
        return sink

    def extract_jdbc_conf(
        self, connection_name: str, catalog_id: str | None = None
    ) -> dict[str, Any]:
        """The JDBC settings of a catalog connection: url, fullUrl, user, password, vendor..."""
        return _connections.extract_jdbc_conf(connection_name, catalog_id)

    def write_dynamic_frame_from_jdbc_conf(
        self,
        frame: DynamicFrame,
        catalog_connection: str,
        connection_options: Mapping[str, Any] | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        """Append `frame` to ``connection_options["dbtable"]`` (in ``database``, if given) of
        the database a catalog connection reaches."""
        options = {**(connection_options or {}), "connectionName": catalog_connection}
        resolved = _connections.resolve_options(options, catalog_id)
        kind = _connections.connection_type(str(resolved["url"]))
        self.write_data_frame_from_options(frame.toDF(), kind, resolved)
        return frame

    def write_from_jdbc_conf(
        self,
        frame_or_dfc: DynamicFrame | DynamicFrameCollection,
        catalog_connection: str,
        connection_options: Mapping[str, Any] | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        """``write_dynamic_frame_from_jdbc_conf`` of one DynamicFrame (a collection is refused,
        as by ``write_from_options``)."""
        return self.write_dynamic_frame_from_jdbc_conf(
            one_frame(frame_or_dfc),
            catalog_connection,
            connection_options,
            redshift_tmp_dir,
            transformation_ctx,
            catalog_id,
        )


def _catalog_names(
    database: str | None, table_name: str | None, kwargs: Mapping[str, Any]
) -> tuple[str, str]:
    """(database, table) from awsglue's arguments, with its messages for missing ones."""
    name_space = kwargs.get("name_space")
    if database and name_space:
        raise ValueError("Parameter name_space and database are both specified, choose one.")
    database = database or name_space
    if not database:
        raise ValueError("Parameter name_space or database is missing.")
    if not table_name:
        raise ValueError("Parameter table_name is missing.")
    return str(database), str(table_name)
