"""ResolveChoice: resolve choice fields by cast, project, make_cols, make_struct or match_catalog.

The module aws-glue-libs defines it in, so ``from awsglue.transforms.resolve_choice import
ResolveChoice`` works as it does there.
"""

from __future__ import annotations

from typing import Any

from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["ResolveChoice"]


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
