"""Coalesce: the frame in at most a given number of partitions.

The module aws-glue-libs defines it in, so ``from awsglue.transforms.coalesce import
Coalesce`` works as it does there.
"""

from __future__ import annotations

from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["Coalesce"]


class Coalesce(GlueTransform):
    """The frame in at most `num_partitions` partitions (no shuffle unless `shuffle`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        num_partitions: int,
        shuffle: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.coalesce(num_partitions, shuffle, transformation_ctx)
