"""``awsglue.dataframereader``: the class of ``glueContext.create_data_frame``."""

from __future__ import annotations

from .context import DataFrameReader

__all__ = ["DataFrameReader"]
