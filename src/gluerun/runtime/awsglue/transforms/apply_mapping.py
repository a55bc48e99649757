"""ApplyMapping: keep the mapped fields, renamed and cast.

The module aws-glue-libs defines it in, so ``from awsglue.transforms.apply_mapping import
ApplyMapping`` works as it does there.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["ApplyMapping"]


class ApplyMapping(GlueTransform):
    """Keep only the mapped fields, renamed and cast to their target types."""

    def __call__(
        self,
        frame: DynamicFrame,
        mappings: Sequence[Sequence[str]],
        case_sensitive: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.apply_mapping(mappings, case_sensitive, transformation_ctx, info)
