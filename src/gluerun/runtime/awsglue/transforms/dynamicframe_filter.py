"""Filter: keep the records a Python predicate accepts.

The module aws-glue-libs defines it in, so ``from awsglue.transforms.dynamicframe_filter import
Filter`` works as it does there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["Filter"]


class Filter(GlueTransform):
    """Keep the records for which ``f(record)`` is true."""

    def __call__(
        self,
        frame: DynamicFrame,
        f: Callable[[dict[str, Any]], Any],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.filter(
            f,
            transformation_ctx,
            info,
            stageThreshold=stageThreshold,
            totalThreshold=totalThreshold,
        )
