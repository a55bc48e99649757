"""Glue's transforms, each used as ``Transform.apply(frame=..., ..., transformation_ctx=...)``.

ApplyMapping, SelectFields, DropFields, RenameField, DropNullFields, Join and ResolveChoice work
on fields; Filter and Map run a Python function on every record. Each calls the DynamicFrame
method of the same meaning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .dynamicframe import DynamicFrame

__all__ = [
    "ApplyMapping",
    "DropFields",
    "DropNullFields",
    "Filter",
    "GlueTransform",
    "Join",
    "Map",
    "RenameField",
    "ResolveChoice",
    "SelectFields",
]


class GlueTransform:
    """A transform is a callable object; ``apply`` makes one and calls it."""

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        return cls()(*args, **kwargs)

    @classmethod
    def name(cls) -> str:
        return cls.__name__

    @classmethod
    def describe(cls) -> dict[str, str]:
        return {"name": cls.__name__, "description": (cls.__doc__ or "").strip()}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


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


class DropNullFields(GlueTransform):
    """Drop the fields that are null or missing in every record."""

    def __call__(
        self,
        frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.drop_null_fields(transformation_ctx)


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


class ResolveChoice(GlueTransform):
    """Resolve fields per ``(path, action)`` specs: cast, project, make_cols, make_struct."""

    def __call__(
        self,
        frame: DynamicFrame,
        specs: Any = None,
        choice: str = "",
        database: str | None = None,
        table_name: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        return frame.resolveChoice(specs, choice, database, table_name, transformation_ctx)


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
        return frame.filter(f, transformation_ctx)


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
        return frame.map(f, transformation_ctx)
