"""Repartition: the frame in a given number of partitions.

The module aws-glue-libs defines it in, so ``from awsglue.transforms.repartition import
Repartition`` works as it does there.
"""

from __future__ import annotations

from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["Repartition"]


class Repartition(GlueTransform):
    """The frame in `num_partitions` partitions (a shuffle)."""

    def __call__(
        self,
        frame: DynamicFrame,
        num_partitions: int,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.repartition(num_partitions, transformation_ctx)
