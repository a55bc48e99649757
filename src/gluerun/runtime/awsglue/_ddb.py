"""DynamoDB JSON (as DynamoDB's export to S3 writes it) made plain: ``simplify_ddb_json`` and
``unnest_ddb_json``.

Each value is a type descriptor, ``{"S": "x"}``, ``{"N": "5"}``, ``{"BOOL": true}``,
``{"NULL": true}``, ``{"M": {...}}``, ``{"L": [...]}``, ``{"SS": [...]}``...; simplifying
replaces it by its value (numbers stay the strings DynamoDB writes), maps and lists
recursively. A field whose records use descriptors of different value types (``S`` in some,
``BOOL`` in others) becomes a choice, as in Glue.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ._choice import CHOICE_KEY
from ._frame_ops import quote_path

__all__ = ["simplify", "unnest"]

#: DynamoDB's type descriptors
_DESCRIPTORS = frozenset({"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"})
#: the export's record wrapper
_ITEM = "Item"


def _is_descriptor(data_type: T.DataType) -> bool:
    if not isinstance(data_type, T.StructType) or not data_type.fields:
        return False
    return set(data_type.fieldNames()) <= _DESCRIPTORS


def _plain(column: Column, data_type: T.DataType) -> tuple[Column, bool]:
    """(the simplified value of `column` of type `data_type`, whether it is a choice)."""
    if _is_descriptor(data_type):
        return _value(column, data_type)  # type: ignore[arg-type]
    if isinstance(data_type, T.StructType):
        parts = [_plain(column[f.name], f.dataType)[0].alias(f.name) for f in data_type.fields]
        return F.struct(*parts), False
    if isinstance(data_type, T.ArrayType) and _is_descriptor(data_type.elementType):
        element = data_type.elementType
        return F.transform(column, lambda x: _value(x, element)[0]), False  # type: ignore[arg-type]
    return column, False


def _value(column: Column, descriptor: T.StructType) -> tuple[Column, bool]:
    """A descriptor's value; several value types across records make a choice struct."""
    branches: dict[str, list[Column]] = {}
    for field in descriptor.fields:
        if field.name == "NULL":
            continue  # its value (true) means null
        value, _ = _plain(column[field.name], field.dataType)
        branches.setdefault(field.dataType.typeName(), []).append(value)
    if not branches:
        return F.lit(None).cast("string"), False
    merged = {name: F.coalesce(*values) for name, values in branches.items()}
    if len(merged) == 1:
        return next(iter(merged.values())), False
    return F.struct(*[value.alias(name) for name, value in merged.items()]), True


def _columns(frame: DataFrame, names: Sequence[str] = ()) -> list[Column]:
    schema = frame.schema
    source = F.col(quote_path(names)) if names else None
    fields = schema[names[0]].dataType.fields if names else schema.fields  # type: ignore[attr-defined]
    columns = []
    for field in fields:
        column = source[field.name] if source is not None else F.col(quote_path([field.name]))
        value, choice = _plain(column, field.dataType)
        columns.append(value.alias(field.name, metadata={CHOICE_KEY: choice}))
    return columns


def simplify(frame: DataFrame) -> DataFrame:
    """`frame` with every DynamoDB type descriptor replaced by its value."""
    return frame.select(*_columns(frame))


def unnest(frame: DataFrame) -> DataFrame:
    """`frame`'s ``Item`` fields as top-level fields, simplified (other frames: simplified)."""
    item = frame.schema[_ITEM] if _ITEM in frame.columns else None
    if item is None or not isinstance(item.dataType, T.StructType) or len(frame.columns) != 1:
        return simplify(frame)
    return frame.select(*_columns(frame, [_ITEM]))
