"""The field and record operations behind ``DynamicFrame``'s transforms, on plain DataFrames.

Field paths (dots for nesting, backticks around names that contain dots) are parsed and
resolved against a schema here; ApplyMapping and select_fields build their output through
``_Tree``; rename_field, drop_fields and resolveChoice set and drop nested fields in place;
filter and map run ``_keep`` and ``_apply`` on the executors, which import them from this
module, so it must stay importable there without gluerun.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pyspark.sql import Column, DataFrame, Row
from pyspark.sql import functions as F
from pyspark.sql.types import StructField, StructType

Record = dict[str, Any]
#: ApplyMapping types that name a shape, not a cast target
_SHAPE_TYPES = frozenset({"struct", "array", "map", "choice", "object"})
#: exceptions that make Filter drop a record (Glue's rule); others make it an error record
_FILTER_SKIPS = (KeyError, ValueError, TypeError)
#: a scratch column name for moving a field
_MOVED = "__gluerun_moved__"


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


def _quote(parts: Sequence[str]) -> str:
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


class _Tree:
    """Output columns by nested name, in first-mention order; leaves are Columns."""

    def __init__(self) -> None:
        self.children: dict[str, _Tree | Column] = {}

    def put(self, parts: Sequence[str], column: Column) -> None:
        node = self
        for part in parts[:-1]:
            child = node.children.get(part)
            if not isinstance(child, _Tree):
                child = _Tree()
                node.children[part] = child
            node = child
        node.children[parts[-1]] = column

    def columns(self) -> list[Column]:
        out: list[Column] = []
        for name, child in self.children.items():
            if isinstance(child, _Tree):
                out.append(F.struct(*child.columns()).alias(name))
            else:
                out.append(child.alias(name))
        return out


def _mapping(spec: Sequence[str]) -> tuple[str, str, str | None]:
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


def _cast(column: Column, type_name: str | None) -> Column:
    if not type_name or type_name.strip().lower() in _SHAPE_TYPES:
        return column
    return column.cast(type_name.strip().lower())


def _as_row(value: Any) -> Any:
    """Records (dicts) as Rows all the way down, so Spark infers structs, not maps."""
    if isinstance(value, dict):
        return Row(**{key: _as_row(item) for key, item in value.items()})
    if isinstance(value, list):
        return [_as_row(item) for item in value]
    return value


def _keep(f: Callable[[Record], Any], row: Row) -> bool:
    try:
        return bool(f(row.asDict(recursive=True)))
    except _FILTER_SKIPS:
        return False
    except Exception:  # an error record in Glue: not in the output either
        return False


def _apply(f: Callable[[Record], Any], row: Row) -> list[Any]:
    try:
        result = f(row.asDict(recursive=True))
    except Exception:  # an error record in Glue: not in the output
        return []
    if not result:
        return []
    return [_as_row(dict(result))]


# -- resolveChoice and in-place field edits ----------------------------------------------


def _resolve_one(frame: DataFrame, path: str, action: str) -> DataFrame:
    names = resolve(frame.schema, path)
    if names is None:
        return frame
    kind, _, type_name = action.partition(":")
    kind = kind.strip().lower()
    value = F.col(_quote(names))
    if kind in ("cast", "project"):
        return _set(frame, names, value.cast(type_name.strip().lower()))
    type_label = _type_of(frame.schema, names)
    if kind == "make_cols":
        moved = _drop(frame.withColumn(_MOVED, value), names)
        renamed = [*names[:-1], f"{names[-1]}_{type_label}"]
        return _set(moved, renamed, F.col(_MOVED)).drop(_MOVED)
    if kind == "make_struct":
        return _set(frame, names, F.struct(value.alias(type_label)))
    raise ValueError(f"Unknown resolveChoice action {action!r}")


def _type_of(schema: StructType, names: Sequence[str]) -> str:
    current: Any = schema
    for name in names:
        current = current[name].dataType
    return str(current.simpleString())


def _set(frame: DataFrame, names: Sequence[str], value: Column, create: bool = False) -> DataFrame:
    """`frame` with the field at `names` set to `value` (top-level or nested).

    With `create`, a missing top-level parent struct is made.
    """
    if len(names) == 1:
        return frame.withColumn(names[0], value)
    parent = F.col(_quote(names[:1]))
    if create and names[0] not in frame.columns:
        parent = F.struct()
    return frame.withColumn(names[0], parent.withField(_quote(names[1:]), value))


def _drop(frame: DataFrame, names: Sequence[str]) -> DataFrame:
    """`frame` without the field at `names` (real names, as `resolve` gives them)."""
    if len(names) == 1:
        return frame.drop(names[0])
    return frame.withColumn(names[0], F.col(_quote(names[:1])).dropFields(_quote(names[1:])))
