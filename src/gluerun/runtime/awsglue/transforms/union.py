"""Union: all records of two frames.

The module aws-glue-libs defines it in, so ``from awsglue.transforms.union import
Union`` works as it does there.
"""

from __future__ import annotations

from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["Union"]


class Union(GlueTransform):
    """All records of both frames, fields matched by name."""

    def __call__(
        self,
        frame1: DynamicFrame,
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame1.union(frame2, transformation_ctx)
