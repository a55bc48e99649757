"""Relationalize: flatten structs and pivot arrays out into tables.

The module aws-glue-libs defines it in, so ``from awsglue.transforms.relationalize import
Relationalize`` works as it does there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._collection import DynamicFrameCollection
from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["Relationalize"]


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
