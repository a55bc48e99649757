"""Reshaping nested data: unnest (structs to dotted top-level fields), Relationalize, Unbox.

Relationalize follows Glue's documented output: the root table (named as given) has every
struct flattened into ``a.b`` fields, and each array field replaced by a key (``long``) that
joins to the ``id`` of a table named ``<root>_<field>``, whose columns are ``id``, ``index``
(the position in the array, from 0) and ``<field>.val`` (or ``<field>.val.<x>`` for each
field of struct elements); arrays inside arrays pivot again, recursively.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ._choice import is_choice
from ._frame_ops import quote_path, set_field

__all__ = ["relationalize", "unbox", "unnest"]

#: scratch column holding the join key of a record while its arrays are pivoted out
_KEY = "__gluerun_key__"


def _leaves(schema: T.StructType, prefix: Sequence[str] = ()) -> list[list[str]]:
    """The paths of the non-struct fields of `schema` (choices count as leaves)."""
    paths: list[list[str]] = []
    for field in schema.fields:
        names = [*prefix, field.name]
        if isinstance(field.dataType, T.StructType) and not is_choice(field):
            paths.extend(_leaves(field.dataType, names))
        else:
            paths.append(names)
    return paths


def unnest(frame: DataFrame) -> DataFrame:
    """`frame` with nested struct fields as top-level fields named by their dotted path."""
    return frame.select(*[F.col(quote_path(p)).alias(".".join(p)) for p in _leaves(frame.schema)])


def relationalize(frame: DataFrame, root: str) -> dict[str, DataFrame]:
    """The tables Relationalize makes of `frame`, by name (the root table first)."""
    tables: dict[str, DataFrame] = {}
    _pivot(unnest(frame), root, tables)
    return tables


def _pivot(flat: DataFrame, name: str, tables: dict[str, DataFrame]) -> None:
    arrays = [f.name for f in flat.schema.fields if isinstance(f.dataType, T.ArrayType)]
    if not arrays:
        tables[name] = flat
        return
    # The key must be the same in the parent and in every child table computed from it.
    keyed = flat.withColumn(_KEY, F.monotonically_increasing_id()).persist()
    parent = keyed
    for array in arrays:
        column = F.col(quote_path([array]))
        parent = parent.withColumn(array, F.when(column.isNotNull(), F.col(_KEY)))
    tables[name] = parent.drop(_KEY)
    for array in arrays:
        _pivot(_child(keyed, array), f"{name}_{array}", tables)


def _child(keyed: DataFrame, array: str) -> DataFrame:
    exploded = keyed.select(
        F.col(_KEY).alias("id"), F.posexplode(F.col(quote_path([array]))).alias("index", "val")
    )
    val = exploded.schema["val"]
    label = f"{array}.val"
    if isinstance(val.dataType, T.StructType):
        leaves = _leaves(val.dataType, ["val"])
        elements = [F.col(quote_path(p)).alias(f"{array}.{'.'.join(p)}") for p in leaves]
        return exploded.select("id", "index", *elements)
    return exploded.select("id", "index", F.col("val").alias(label))


def unbox(
    frame: DataFrame, names: Sequence[str], fmt: str, options: Mapping[str, Any]
) -> DataFrame:
    """`frame` with the string field at `names` parsed as `fmt` (json or csv) into a struct."""
    value = F.col(quote_path(names))
    kind = fmt.strip().lower()
    if kind == "json":
        return set_field(frame, names, F.from_json(value, _json_schema(frame, value)))
    if kind == "csv":
        schema = _csv_schema(frame, value, options)
        return set_field(frame, names, F.from_csv(value, _ddl(schema), _csv_options(options)))
    raise ValueError(f"gluerun's unbox supports the formats json and csv; not {fmt!r}")


def _strings(frame: DataFrame, value: Column) -> Any:
    return frame.select(value.alias("v")).where(F.col("v").isNotNull()).rdd.map(lambda r: r[0])


def _json_schema(frame: DataFrame, value: Column) -> T.StructType:
    return frame.sparkSession.read.json(_strings(frame, value)).schema


def _csv_options(options: Mapping[str, Any]) -> dict[str, str]:
    result = {"sep": str(options.get("separator", ","))}
    if options.get("escaper"):
        result["escape"] = str(options["escaper"])
    if options.get("quoteChar"):
        result["quote"] = str(options["quoteChar"])
    return result


def _csv_schema(frame: DataFrame, value: Column, options: Mapping[str, Any]) -> T.StructType:
    if options.get("withSchema"):
        given = options["withSchema"]
        return T.StructType.fromJson(given if isinstance(given, dict) else json.loads(given))
    reader = frame.sparkSession.read.options(**_csv_options(options)).option("inferSchema", True)
    inferred = reader.csv(_strings(frame, value)).schema
    return T.StructType([T.StructField(f"col{i}", f.dataType) for i, f in enumerate(inferred)])


def _ddl(schema: T.StructType) -> str:
    return ", ".join(f"{quote_path([f.name])} {f.dataType.simpleString()}" for f in schema.fields)
