"""Transforms that run a Python function on every record, and the error records they leave."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["ErrorsAsDynamicFrame", "Filter", "Map"]


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


class ErrorsAsDynamicFrame(GlueTransform):
    """The error records that making `frame` left, each as a nested ``error`` struct."""

    def __call__(self, frame: DynamicFrame) -> DynamicFrame:
        return frame.errorsAsDynamicFrame()
