"""Glue's transforms on Spark DataFrames (``awsglue.dataframe_transforms``): ApplyMapping."""

from __future__ import annotations

from .apply_mapping import ApplyMapping

__all__ = ["ALL_TRANSFORMS", "ApplyMapping"]

ALL_TRANSFORMS = {ApplyMapping}
