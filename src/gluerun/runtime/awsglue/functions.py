"""``awsglue.functions``: Glue's column functions, written with Spark's own expressions."""

from __future__ import annotations

from typing import Any

from pyspark.sql import Column
from pyspark.sql import functions as F

__all__ = ["explodeWithIndex", "namedStruct", "replaceArrayElement"]


def replaceArrayElement(srcCol: Column | str, replaceCol: Column | str, idx: int) -> Column:
    """The array `srcCol` with its element at position `idx` (from 0) replaced."""
    replacement = F.col(replaceCol) if isinstance(replaceCol, str) else replaceCol
    return F.transform(
        F.col(srcCol) if isinstance(srcCol, str) else srcCol,
        lambda element, index: F.when(index == idx, replacement).otherwise(element),
    )


def namedStruct(*cols: Any) -> Column:
    """A struct of the columns, each field named by its column."""
    if len(cols) == 1 and isinstance(cols[0], list | set | tuple):
        cols = tuple(cols[0])
    return F.struct(*cols)


def explodeWithIndex(col: Column | str) -> Column:
    """One row per element: columns ``index`` (from 0) and ``val``."""
    return F.posexplode(col).alias("index", "val")
