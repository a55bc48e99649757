"""Transforms on a frame's fields: select, drop, rename, split, join, and Spigot's sample."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._collection import DynamicFrameCollection
from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = [
    "DropFields",
    "Join",
    "RenameField",
    "SelectFields",
    "Spigot",
    "SplitFields",
    "SplitRows",
]


class RenameField(GlueTransform):
    """Rename one field (full paths for nested fields)."""

    def __call__(
        self,
        frame: DynamicFrame,
        old_name: str,
        new_name: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.rename_field(old_name, new_name, transformation_ctx)


class DropFields(GlueTransform):
    """Drop the given fields."""

    def __call__(
        self,
        frame: DynamicFrame,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.drop_fields(paths, transformation_ctx)


class SelectFields(GlueTransform):
    """Keep only the given fields."""

    def __call__(
        self,
        frame: DynamicFrame,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.select_fields(paths, transformation_ctx)


class SplitFields(GlueTransform):
    """Split a frame in two by fields: `name1` gets `paths`, `name2` the rest.

    The names default to the frame's name (or ``frame``) followed by 1 and 2.
    """

    def __call__(
        self,
        frame: DynamicFrame,
        paths: Sequence[str],
        name1: str | None = None,
        name2: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        base = frame.name or "frame"
        return frame.split_fields(paths, name1 or base + "1", name2 or base + "2")


class SplitRows(GlueTransform):
    """Split a frame in two by rows: `name1` gets the records meeting every comparison."""

    def __call__(
        self,
        frame: DynamicFrame,
        comparison_dict: Mapping[str, Mapping[str, Any]],
        name1: str = "frame1",
        name2: str = "frame2",
        transformation_ctx: str = "",
        info: str | None = None,
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        return frame.split_rows(comparison_dict, name1, name2, transformation_ctx)


class Join(GlueTransform):
    """Equality join of two frames on ``keys1[i] == keys2[i]``."""

    def __call__(
        self,
        frame1: DynamicFrame,
        frame2: DynamicFrame,
        keys1: Sequence[str] | str,
        keys2: Sequence[str] | str,
        transformation_ctx: str = "",
    ) -> DynamicFrame:
        return frame1.join(keys1, keys2, frame2, transformation_ctx)


class Spigot(GlueTransform):
    """Write a sample of the records to a path (``topk``, ``prob``); the frame passes through."""

    def __call__(
        self,
        frame: DynamicFrame,
        path: str,
        options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
    ) -> DynamicFrame:
        return frame.spigot(path, options, transformation_ctx)
