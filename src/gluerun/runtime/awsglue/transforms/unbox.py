"""Unbox: parse a string field holding JSON or CSV into a struct.

The module aws-glue-libs defines it in, so ``from awsglue.transforms.unbox import
Unbox`` works as it does there.
"""

from __future__ import annotations

from typing import Any

from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["Unbox"]


class Unbox(GlueTransform):
    """Parse a string field holding JSON or CSV into a struct."""

    def __call__(
        self,
        frame: DynamicFrame,
        path: str,
        format: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **options: Any,
    ) -> DynamicFrame:
        return frame.unbox(path, format, transformation_ctx, info, **options)
