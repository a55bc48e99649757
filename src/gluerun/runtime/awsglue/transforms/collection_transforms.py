"""Transforms on DynamicFrameCollections: pick one frame, or transform every frame."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._collection import DynamicFrameCollection
from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["FlatMap", "MapToCollection", "SelectFromCollection"]


class SelectFromCollection(GlueTransform):
    """The frame named `key` (an empty frame if there is none)."""

    def __call__(
        self, dfc: DynamicFrameCollection, key: str, transformation_ctx: str = ""
    ) -> DynamicFrame:
        return dfc.select(key, transformation_ctx)


class MapToCollection(GlueTransform):
    """Apply ``callable(frame, ctx)`` to every frame of the collection."""

    def __call__(
        self,
        dfc: DynamicFrameCollection,
        callable: Callable[[DynamicFrame, str], DynamicFrame],
        transformation_ctx: str = "",
    ) -> DynamicFrameCollection:
        return dfc.map(callable, transformation_ctx)


class FlatMap(GlueTransform):
    """Apply the transform `BaseTransform` to every frame, passed as its `frame_name` argument.

    Results that are collections are flattened into the returned collection.
    """

    def __call__(
        self,
        dfc: DynamicFrameCollection,
        BaseTransform: type[GlueTransform],
        frame_name: str,
        transformation_ctx: str = "",
        **base_kwargs: Any,
    ) -> DynamicFrameCollection:
        def apply_inner(frame: DynamicFrame, ctx: str) -> Any:
            return BaseTransform.apply(
                **{**base_kwargs, frame_name: frame, "transformation_ctx": ctx}
            )

        return dfc.flatmap(apply_inner, transformation_ctx)
