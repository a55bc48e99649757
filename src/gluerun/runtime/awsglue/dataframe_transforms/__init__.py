"""Glue's transforms on Spark DataFrames (``awsglue.dataframe_transforms``): ApplyMapping."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyspark.sql import DataFrame

__all__ = ["ALL_TRANSFORMS", "ApplyMapping"]


class ApplyMapping:
    """ApplyMapping's semantics (see ``DynamicFrame.apply_mapping``) on a DataFrame."""

    @staticmethod
    def apply(frame: DataFrame, mappings: Sequence[Sequence[str]] | tuple[str, ...]) -> DataFrame:
        from ..context import GlueContext
        from ..dynamicframe import DynamicFrame

        context = GlueContext(frame.sparkSession.sparkContext)
        return DynamicFrame(frame, context).apply_mapping(mappings).toDF()

    @classmethod
    def describeArgs(cls) -> list[dict[str, Any]]:
        return [
            {"name": "frame", "type": "DataFrame", "optional": False, "defaultValue": None},
            {"name": "mappings", "type": "list", "optional": False, "defaultValue": None},
        ]


ALL_TRANSFORMS = {ApplyMapping}
