"""GlueContext's catalog conveniences built on the catalog reads and writes (``CatalogMethods``):
the table's schema as Spark sees it, samples, DataFrame writes, and ``purge_table``.

``ContextApi`` inherits these, so ``GlueContext`` has them without another base class.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pyspark.sql import DataFrame
from pyspark.sql.types import StructType

from ._catalog_api import catalog
from ._catalog_read import CatalogTable
from ._unsupported import unsupported
from .dynamicframe import DynamicFrame

if TYPE_CHECKING:
    from .context import GlueContext

__all__ = ["CatalogExtras"]

_DEFAULT_RETENTION_HOURS = 168.0


class CatalogExtras:
    """The part of GlueContext described in the module docstring."""

    def get_catalog_schema_as_spark_schema(
        self,
        database: str | None = None,
        table_name: str | None = None,
        catalog_id: str | None = None,
    ) -> StructType:
        """The table's columns, then its partition keys, as a Spark schema."""
        table = CatalogTable(catalog(catalog_id).get_table(str(database), str(table_name)))
        ddl = ", ".join(f"`{n.replace('`', '``')}` {t}" for n, t in [*table.columns, *table.keys])
        return self._ctx.spark_session.createDataFrame([], ddl).schema

    def create_sample_dynamic_frame_from_catalog(
        self,
        database: str | None = None,
        table_name: str | None = None,
        num: int | None = None,
        sample_options: Mapping[str, Any] | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        erieTxId: str | None = None,
        asOfTime: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        """The first `num` records of the table (all if None); `sample_options` are ignored.

        `erieTxId` and `asOfTime` read a Lake Formation governed table in a transaction or at a
        time, which gluerun does not have: giving either fails."""
        if erieTxId is not None or asOfTime is not None:
            raise NotImplementedError(
                "gluerun's awsglue does not support erieTxId/asOfTime: Lake Formation "
                "governed-table transactions are not provided by gluerun"
            )
        frame = self._ctx.create_dynamic_frame_from_catalog(
            database,
            table_name,
            redshift_tmp_dir,
            transformation_ctx,
            push_down_predicate,
            additional_options,
            catalog_id,
            **kwargs,
        )
        if num is None:
            return frame
        return DynamicFrame(frame.toDF().limit(int(num)), self._ctx, frame.name)

    def write_data_frame_from_catalog(
        self,
        frame: DataFrame,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Append the DataFrame `frame` to the table, as ``write_dynamic_frame_from_catalog``."""
        self._ctx.write_dynamic_frame_from_catalog(
            DynamicFrame(frame, self._ctx, transformation_ctx),
            database,
            table_name,
            redshift_tmp_dir,
            transformation_ctx,
            additional_options,
            catalog_id,
            **kwargs,
        )

    def purge_table(
        self,
        database: str,
        table_name: str,
        options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        catalog_id: str | None = None,
    ) -> None:
        """Delete the table's files older than ``retentionPeriod`` hours (default 168).

        ``partitionPredicate`` (Glue's partition expression) limits it to those partitions;
        a partition left without files is deleted from the catalog, as in Glue.
        ``excludeStorageClasses`` keeps objects of those classes.
        """
        opts = dict(options or {})
        hours = float(opts.get("retentionPeriod", _DEFAULT_RETENTION_HOURS))
        excluded = list(opts.get("excludeStorageClasses", []))
        client = catalog(catalog_id)
        table = CatalogTable(client.get_table(database, table_name))
        storage = self._ctx.storage
        if not table.keys:
            storage.purge(table.location, hours, excluded)
            return
        predicate = str(opts.get("partitionPredicate", ""))
        for partition in list(client.get_partitions(database, table_name, predicate)):
            location = (partition.get("StorageDescriptor") or {}).get("Location")
            if not location:
                continue
            storage.purge(location, hours, excluded)
            if storage.is_empty(location):
                body = {"DatabaseName": database, "TableName": table_name}
                client.call("DeletePartition", {**body, "PartitionValues": partition["Values"]})

    @unsupported("S3 storage-class transitions have no meaning for gluerun's storage")
    def transition_table(
        self, database: str, table_name: str, transition_to: str, *args: Any, **kwargs: Any
    ) -> None:
        raise NotImplementedError

    @property
    def _ctx(self) -> GlueContext:
        return self  # type: ignore[return-value]
