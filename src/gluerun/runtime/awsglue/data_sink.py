"""``DataSink``: what ``GlueContext.getSink`` returns: a configured destination for frames.

``getSink(connection_type="s3", path=..., partitionKeys=[...], enableUpdateCatalog=True,
updateBehavior="UPDATE_IN_DATABASE")`` with ``setFormat`` and ``setCatalogInfo`` writes files
and creates or updates the catalog table and its partitions (see ``_catalog_write``); JDBC
connection types write to a table as ``write_dynamic_frame.from_options`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pyspark.sql import DataFrame

from . import _catalog_write, _spark_catalog
from ._catalog_api import catalog

if TYPE_CHECKING:
    from .context import GlueContext
    from .dynamicframe import DynamicFrame

__all__ = ["DataSink"]


def _flag(value: Any) -> bool:
    return str(value).strip().lower() == "true" if isinstance(value, str) else bool(value)


class DataSink:
    """A destination made by ``GlueContext.getSink``."""

    def __init__(
        self,
        glue_context: GlueContext,
        connection_type: str,
        options: Mapping[str, Any],
        transformation_ctx: str = "",
    ) -> None:
        self._glue_context = glue_context
        self.connection_type = connection_type
        self.options = dict(options)
        self.transformation_ctx = transformation_ctx
        self.format: str | None = self.options.pop("format", None)
        self.format_options: dict[str, Any] = {}
        self.catalog_database: str | None = None
        self.catalog_table: str | None = None
        self.catalog_id: str | None = None

    def setFormat(self, format: str, **options: Any) -> None:
        self.format = format
        self.format_options = dict(options)

    def setCatalogInfo(
        self, catalogDatabase: str, catalogTableName: str, catalogId: str = ""
    ) -> None:
        self.catalog_database = catalogDatabase
        self.catalog_table = catalogTableName
        self.catalog_id = catalogId or None

    def setAccumulableSize(self, size: int) -> None:
        """Glue sizes its error accumulators with this; gluerun has none to size."""

    def writeFrame(self, dynamic_frame: DynamicFrame, info: str = "") -> DynamicFrame:
        self.writeDataFrame(dynamic_frame.toDF(), self._glue_context, info)
        return dynamic_frame

    def writeDataFrame(
        self, data_frame: DataFrame, glue_context: Any = None, info: str = ""
    ) -> DataFrame:
        context = glue_context or self._glue_context
        keys = list(self.options.get("partitionKeys") or [])
        fmt = self.format or "json"
        if self.connection_type not in ("s3", "file"):
            context.write_data_frame_from_options(
                data_frame, self.connection_type, self.options, fmt, self.format_options
            )
            return data_frame
        path = str(self.options.get("path") or "")
        if not path:
            raise ValueError("getSink(connection_type='s3') needs path=...")
        written_format = "parquet" if fmt.lower() == "glueparquet" else fmt
        context.write_data_frame_from_options(
            data_frame, self.connection_type, self.options, written_format, self.format_options
        )
        if _flag(self.options.get("enableUpdateCatalog", False)):
            if not self.catalog_database or not self.catalog_table:
                raise ValueError(
                    "enableUpdateCatalog needs setCatalogInfo(catalogDatabase, catalogTableName)"
                )
            _catalog_write.update_catalog(
                catalog(self.catalog_id),
                self.catalog_database,
                self.catalog_table,
                data_frame,
                path,
                fmt,
                keys,
                str(self.options.get("updateBehavior") or _catalog_write.UPDATE_IN_DATABASE),
                self.format_options,
            )
            mirror = _spark_catalog.active()
            if mirror is not None:  # spark.sql sees the table as the catalog now has it
                client = catalog(self.catalog_id)
                mirror.register(client.get_table(self.catalog_database, self.catalog_table))
        return data_frame

    def write(self, dynamic_frame_or_dfc: Any, info: str = "") -> Any:
        """Write a DynamicFrame, or each frame of a DynamicFrameCollection."""
        if hasattr(dynamic_frame_or_dfc, "toDF"):
            return self.writeFrame(dynamic_frame_or_dfc, info)
        for key in sorted(dynamic_frame_or_dfc.keys()):
            self.writeFrame(dynamic_frame_or_dfc.select(key), info)
        return dynamic_frame_or_dfc
