"""DropNullFields: drop the fields that are null in every record.

The module aws-glue-libs defines it in, so ``from awsglue.transforms.drop_nulls import
DropNullFields`` works as it does there.
"""

from __future__ import annotations

from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["DropNullFields"]


class DropNullFields(GlueTransform):
    """Drop the fields that are null or missing in every record."""

    def __call__(
        self,
        frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.drop_null_fields(transformation_ctx)
