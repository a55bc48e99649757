"""``DataSource``: what ``GlueContext.getSource`` returns: a configured source of frames."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pyspark.sql import DataFrame

if TYPE_CHECKING:
    from .context import GlueContext
    from .dynamicframe import DynamicFrame

__all__ = ["DataSource"]


class DataSource:
    """A source over one connection type; ``getFrame`` reads it as ``from_options`` would."""

    def __init__(
        self,
        glue_context: GlueContext,
        connection_type: str,
        format: str | None,
        transformation_ctx: str,
        options: Mapping[str, Any],
    ) -> None:
        self._glue_context = glue_context
        self.connection_type = connection_type
        self.format = format
        self.format_options: dict[str, Any] = {}
        self.transformation_ctx = transformation_ctx
        self.options = dict(options)
        self.name = transformation_ctx

    def setFormat(self, format: str, **options: Any) -> None:
        self.format = format
        self.format_options = dict(options)

    def getFrame(self, **options: Any) -> DynamicFrame:
        """The source's records; `options` add to the connection options."""
        return self._glue_context.create_dynamic_frame_from_options(
            self.connection_type,
            {**self.options, **options},
            self.format,
            self.format_options,
            self.transformation_ctx,
        )

    def getSampleFrame(self, num: int, **options: Any) -> DynamicFrame:
        """The first `num` records."""
        frame = self.getFrame(**options)
        from .dynamicframe import DynamicFrame

        return DynamicFrame(frame.toDF().limit(int(num)), self._glue_context, frame.name)

    def getDataFrame(self) -> DataFrame:
        return self.getFrame().toDF()
