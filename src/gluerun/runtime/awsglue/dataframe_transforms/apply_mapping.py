"""ApplyMapping on Spark DataFrames, in the module aws-glue-libs defines it in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyspark.sql import DataFrame

__all__ = ["ApplyMapping"]


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

    @classmethod
    def describeTransform(cls) -> str:
        return "Apply a declarative mapping to this DataFrame."

    @classmethod
    def describeErrors(cls) -> list[str]:
        return []

    @classmethod
    def describeReturn(cls) -> dict[str, str]:
        return {"type": "DataFrame", "description": "DataFrame after applying mappings."}
