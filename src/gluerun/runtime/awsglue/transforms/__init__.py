"""Glue's transforms, each used as ``Transform.apply(frame=..., ..., transformation_ctx=...)``.

The same 22 as aws-glue-libs' ``ALL_TRANSFORMS``, each in the module aws-glue-libs defines
it in (``apply_mapping``, ``field_transforms``, ``collection_transforms``, ...), since Glue
Studio's scripts import some by module (``from awsglue.transforms.apply_mapping import
ApplyMapping``). Each calls the DynamicFrame method of the same meaning.
"""

from __future__ import annotations

import json

from .apply_mapping import ApplyMapping
from .coalesce import Coalesce
from .collection_transforms import FlatMap, MapToCollection, SelectFromCollection
from .drop_nulls import DropNullFields
from .dynamicframe_filter import Filter
from .dynamicframe_map import Map
from .errors_as_dynamicframe import ErrorsAsDynamicFrame
from .field_transforms import (
    DropFields,
    Join,
    RenameField,
    SelectFields,
    Spigot,
    SplitFields,
    SplitRows,
)
from .relationalize import Relationalize
from .repartition import Repartition
from .resolve_choice import ResolveChoice
from .transform import GlueTransform
from .unbox import Unbox
from .union import Union
from .unnest_frame import UnnestFrame

ALL_TRANSFORMS: set[type[GlueTransform]] = {
    ApplyMapping,
    Coalesce,
    DropFields,
    DropNullFields,
    ErrorsAsDynamicFrame,
    Filter,
    FlatMap,
    Join,
    Map,
    MapToCollection,
    Relationalize,
    RenameField,
    Repartition,
    ResolveChoice,
    SelectFields,
    SelectFromCollection,
    Spigot,
    SplitFields,
    SplitRows,
    Unbox,
    Union,
    UnnestFrame,
}

__all__ = [  # noqa: RUF022 (grouped as above, then the helpers)
    "ApplyMapping",
    "Coalesce",
    "DropFields",
    "DropNullFields",
    "ErrorsAsDynamicFrame",
    "Filter",
    "FlatMap",
    "GlueTransform",
    "Join",
    "Map",
    "MapToCollection",
    "Relationalize",
    "RenameField",
    "Repartition",
    "ResolveChoice",
    "SelectFields",
    "SelectFromCollection",
    "Spigot",
    "SplitFields",
    "SplitRows",
    "Unbox",
    "Union",
    "UnnestFrame",
    "ALL_TRANSFORMS",
    "describe_transform",
    "get_transform",
    "get_transforms",
]


def get_transforms() -> set[GlueTransform]:
    """One instance of every transform."""
    return {transform() for transform in ALL_TRANSFORMS}


def get_transform(name: str) -> GlueTransform | None:
    """The transform named `name` (any case), or None."""
    found = [t for t in get_transforms() if t.name().lower() == name.lower()]
    return found[0] if found else None


def describe_transform(name: str) -> str:
    """The description of the transform `name` as JSON (``{}`` if there is none)."""
    transform = get_transform(name)
    description = transform.describe() if transform else {}
    return json.dumps(description, sort_keys=True, indent=4, separators=(",", ": "))
