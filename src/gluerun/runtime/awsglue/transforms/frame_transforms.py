"""Transforms that reshape a whole frame: mapping and choices, nesting, partitions, union."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._collection import DynamicFrameCollection
from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = [
    "ApplyMapping",
    "Coalesce",
    "DropNullFields",
    "Relationalize",
    "Repartition",
    "ResolveChoice",
    "Unbox",
    "Union",
    "UnnestFrame",
]


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


class ResolveChoice(GlueTransform):
    """Resolve choice fields per ``(path, action)`` specs: cast, project, make_cols,
    make_struct, match_catalog."""

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
        return frame.resolveChoice(
            specs, choice, database, table_name, transformation_ctx, catalog_id=catalog_id
        )


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


class Relationalize(GlueTransform):
    """Flatten structs and pivot arrays out into tables: `name`, `name`_<array field>, ..."""

    def __call__(
        self,
        frame: DynamicFrame,
        staging_path: str | None = None,
        name: str = "roottable",
        options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        return frame.relationalize(name, staging_path, options, transformation_ctx)


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


class Coalesce(GlueTransform):
    """The frame in at most `num_partitions` partitions (no shuffle unless `shuffle`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        num_partitions: int,
        shuffle: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.coalesce(num_partitions, shuffle, transformation_ctx)


class Union(GlueTransform):
    """All records of both frames, fields matched by name."""

    def __call__(
        self,
        frame1: DynamicFrame,
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame1.union(frame2, transformation_ctx)
