"""UnnestFrame: nested struct fields become top-level fields.

The module aws-glue-libs defines it in, so ``from awsglue.transforms.unnest_frame import
UnnestFrame`` works as it does there.
"""

from __future__ import annotations

from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["UnnestFrame"]


class UnnestFrame(GlueTransform):
    """Nested struct fields become top-level fields named by their dotted path."""

    def __call__(
        self,
        frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.unnest(transformation_ctx)
