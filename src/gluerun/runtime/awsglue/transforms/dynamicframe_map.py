"""Map: replace every record by a Python function's result.

The module aws-glue-libs defines it in, so ``from awsglue.transforms.dynamicframe_map import
Map`` works as it does there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["Map"]


class Map(GlueTransform):
    """Replace every record by ``f(record)``."""

    def __call__(
        self,
        frame: DynamicFrame,
        f: Callable[[dict[str, Any]], Any],
        preservesPartitioning: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.map(
            f,
            preservesPartitioning,
            transformation_ctx,
            info,
            stageThreshold=stageThreshold,
            totalThreshold=totalThreshold,
        )
