"""The field and record operations behind ``DynamicFrame``'s transforms, on plain DataFrames.

Field paths (dots for nesting, backticks around names that contain dots) are parsed and
resolved against a schema here; ApplyMapping and select_fields build their output through
``ColumnTree``; rename_field, drop_fields and resolveChoice (``_choice``) set and drop nested
fields in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StructField, StructType

#: ApplyMapping types that name a shape, not a cast target
_SHAPE_TYPES = frozenset({"struct", "array", "map", "choice", "object"})
#: a scratch column name for moving a field
MOVED_COLUMN = "__gluerun_moved__"


def split_path(path: str) -> list[str]:
    """``a.b`` → ``["a", "b"]``; backticked parts keep dots: ```a.b`.c`` → ``["a.b", "c"]``."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in path:
        if char == "`":
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def quote_path(parts: Sequence[str]) -> str:
    """Real field names as one Spark column path, each part backticked."""
    return ".".join("`" + part.replace("`", "``") + "`" for part in parts)


def _field(schema: StructType, name: str, case_sensitive: bool) -> StructField | None:
    for field in schema.fields:
        if field.name == name or (not case_sensitive and field.name.lower() == name.lower()):
            return field
    return None


def resolve(schema: StructType, path: str, case_sensitive: bool = False) -> list[str] | None:
    """The real names along `path` in `schema` (struct fields only), or None if absent."""
    names: list[str] = []
    current: Any = schema
    for part in split_path(path):
        if not isinstance(current, StructType):
            return None
        field = _field(current, part, case_sensitive)
        if field is None:
            return None
        names.append(field.name)
        current = field.dataType
    return names


class ColumnTree:
    """Output columns by nested name, in first-mention order; leaves are Columns."""

    def __init__(self) -> None:
        self.children: dict[str, ColumnTree | Column] = {}

    def put(self, parts: Sequence[str], column: Column) -> None:
        node = self
        for part in parts[:-1]:
            child = node.children.get(part)
            if not isinstance(child, ColumnTree):
                child = ColumnTree()
                node.children[part] = child
            node = child
        node.children[parts[-1]] = column

    def columns(self) -> list[Column]:
        out: list[Column] = []
        for name, child in self.children.items():
            if isinstance(child, ColumnTree):
                out.append(F.struct(*child.columns()).alias(name))
            else:
                out.append(child.alias(name))
        return out


def parse_mapping(spec: Sequence[str]) -> tuple[str, str, str | None]:
    """(source, target, target type) of an ApplyMapping tuple of 2, 3 or 4 items."""
    if not isinstance(spec, tuple):
        raise TypeError(f"Mapping must be specified as a tuple. Got {spec!r}")
    if len(spec) == 4:
        return spec[0], spec[2], spec[3]
    if len(spec) == 3:
        return spec[0], spec[1], spec[2]
    if len(spec) == 2:
        return spec[0], spec[1], None
    raise ValueError(f"Mapping tuple must be of length 2, 3, or 4. Got tuple of length {len(spec)}")


def cast_to(column: Column, type_name: str | None) -> Column:
    """`column` cast to an ApplyMapping type (shape types and no type leave it as it is)."""
    if not type_name or type_name.strip().lower() in _SHAPE_TYPES:
        return column
    return column.cast(type_name.strip().lower())


def set_field(
    frame: DataFrame, names: Sequence[str], value: Column, create: bool = False
) -> DataFrame:
    """`frame` with the field at `names` set to `value` (top-level or nested).

    With `create`, a missing top-level parent struct is made.
    """
    if len(names) == 1:
        return frame.withColumn(names[0], value)
    parent = F.col(quote_path(names[:1]))
    if create and names[0] not in frame.columns:
        parent = F.struct()
    return frame.withColumn(names[0], parent.withField(quote_path(names[1:]), value))


def drop_field(frame: DataFrame, names: Sequence[str]) -> DataFrame:
    """`frame` without the field at `names` (real names, as `resolve` gives them)."""
    if len(names) == 1:
        return frame.drop(names[0])
    return frame.withColumn(
        names[0], F.col(quote_path(names[:1])).dropFields(quote_path(names[1:]))
    )
