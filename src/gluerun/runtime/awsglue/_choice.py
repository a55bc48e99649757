"""Choice types: a field whose records hold values of different types, and how they resolve.

A DynamicFrame keeps a choice as a struct column with one field per type (``int``, ``long``,
``double``, ``boolean``, ``string``), at most one of them set per record, marked in the
field's metadata so ``schema()``/``printSchema`` show ``choice`` (that struct is also what
``toDF()`` gives, as in Glue). Choices come from JSON reads: Spark widens a field that is a
number in some records and a string in others to string, so ``json_with_choices`` looks at
the JSON tokens again for those fields. ``resolve_spec`` applies ResolveChoice's actions:
``cast:T``, ``project:T``, ``make_cols``, ``make_struct`` (and ``match_catalog``, given the
catalog's types).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pyspark.sql import Column, DataFrame, DataFrameReader
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ._frame_ops import MOVED_COLUMN, drop_field, quote_path, resolve, set_field

__all__ = ["CHOICE_KEY", "is_choice", "json_with_choices", "resolve_spec"]

#: StructField metadata key marking a struct column as a choice's branches
CHOICE_KEY = "gluerun.choice"
#: Spark's column for unparsable JSON lines
CORRUPT = "_corrupt_record"
#: a key followed by a number, boolean, object or array token (not a string, not null)
_NON_STRING = r"{key}\s*:\s*[-0-9tf{{\[]"
#: JSON token kinds told apart (a number that is not an integer is a double)
_KINDS = ("long", "double", "boolean", "string")
_INT_RANGE = (-(2**31), 2**31 - 1)
_BRANCH_TYPES: dict[str, T.DataType] = {
    "int": T.IntegerType(),
    "long": T.LongType(),
    "double": T.DoubleType(),
    "boolean": T.BooleanType(),
    "string": T.StringType(),
}


def is_choice(field: T.StructField) -> bool:
    return bool(field.metadata.get(CHOICE_KEY)) and isinstance(field.dataType, T.StructType)


# -- JSON reads ------------------------------------------------------------------------------


def json_with_choices(reader: DataFrameReader, paths: Sequence[str], frame: DataFrame) -> DataFrame:
    """`frame` (Spark's read of JSON lines at `paths`) with mixed-type fields as choices.

    Only top-level fields Spark inferred as string can be mixed; when none is, `frame` is
    returned untouched and nothing more is read.
    """
    candidates = [
        f.name
        for f in frame.schema.fields
        if isinstance(f.dataType, T.StringType) and f.name != CORRUPT
    ]
    if not candidates:
        return frame
    text = reader.text(list(paths))
    text = text.where(F.trim(F.col("value")) != "")
    candidates = _maybe_mixed(text, candidates)
    if not candidates:
        return frame
    kinds = _token_kinds(text, candidates)
    mixed = {name: branches for name, branches in kinds.items() if len(branches) > 1}
    if not mixed:
        return frame
    return _rebuild(text, frame.schema, mixed)


def _maybe_mixed(text: DataFrame, candidates: Sequence[str]) -> list[str]:
    """The candidates that have a non-string token after their key somewhere in the text.

    A cheap pass (a regular expression per field, no JSON parsing) that rules out the usual
    all-string field; a match may still be a nested field of the same name, which the exact
    check (`_token_kinds`) then settles.
    """
    found = text.agg(
        *[
            F.max(
                F.col("value").rlike(
                    _NON_STRING.format(key=re.escape(json.dumps(name, ensure_ascii=False)))
                )
            ).alias(str(index))
            for index, name in enumerate(candidates)
        ]
    ).first()
    return [name for index, name in enumerate(candidates) if found and found[str(index)]]


def _typed(names: Sequence[str], kind: str) -> T.StructType:
    return T.StructType([T.StructField(name, _BRANCH_TYPES[kind]) for name in names])


def _parses(names: Sequence[str], kinds: Sequence[str]) -> dict[str, Column]:
    """Each JSON line parsed once per token kind, every field in `names` typed as that kind.

    A field whose token is not of the kind is null (Spark keeps the other fields: partial
    results), so four parses tell the kinds of any number of fields apart.
    """
    value = F.col("value")
    return {kind: F.from_json(value, _typed(names, kind)) for kind in kinds}


def _token_columns(parsed: Mapping[str, Column], name: str) -> dict[str, Column]:
    """The value of field `name` per token kind, from columns holding `_parses`' structs."""
    as_long = parsed["long"][name]
    as_double = F.when(as_long.isNull(), parsed["double"][name])
    as_bool = parsed["boolean"][name]
    as_text = parsed["string"][name]
    as_string = F.when(as_long.isNull() & as_double.isNull() & as_bool.isNull(), as_text)
    return {"long": as_long, "double": as_double, "boolean": as_bool, "string": as_string}


def _parsed(
    text: DataFrame, names: Sequence[str], *extra: Column, kinds: Sequence[str] = _KINDS
) -> tuple[DataFrame, dict[str, Column]]:
    """`text` with `_parses` as columns (parsed once per row), and those columns by kind."""
    columns = {kind: f"__gluerun_{kind}__" for kind in kinds}
    parses = _parses(names, kinds)
    frame = text.select(*extra, *[parses[k].alias(c) for k, c in columns.items()])
    return frame, {kind: F.col(column) for kind, column in columns.items()}


def _token_kinds(text: DataFrame, candidates: Sequence[str]) -> dict[str, list[str]]:
    """For each candidate field, the branch names of the JSON token kinds it holds."""
    frame, parsed = _parsed(text, candidates)
    aggregates: list[Column] = []
    for index, name in enumerate(candidates):
        columns = _token_columns(parsed, name)
        for kind, column in columns.items():
            aggregates.append(F.count(column).alias(f"{index}_{kind}"))
        aggregates.append(F.min(columns["long"]).alias(f"{index}_min"))
        aggregates.append(F.max(columns["long"]).alias(f"{index}_max"))
    counts = frame.agg(*aggregates).first()
    result: dict[str, list[str]] = {}
    for index, name in enumerate(candidates):
        branches = []
        for kind in _KINDS:
            if counts is not None and counts[f"{index}_{kind}"]:
                branches.append(kind)
        if "long" in branches and _fits_int(counts[f"{index}_min"], counts[f"{index}_max"]):  # type: ignore[index]
            branches[branches.index("long")] = "int"
        result[name] = branches
    return result


def _fits_int(low: int | None, high: int | None) -> bool:
    return low is not None and high is not None and _INT_RANGE[0] <= low and high <= _INT_RANGE[1]


def _rebuild(
    text: DataFrame, schema: T.StructType, mixed: Mapping[str, Sequence[str]]
) -> DataFrame:
    """The JSON lines of `text` parsed with `schema`, `mixed` fields as choice structs."""
    partition_columns = [c for c in text.columns if c != "value"]
    json_fields = [f for f in schema.fields if f.name not in partition_columns]
    full = F.from_json(
        F.col("value"), T.StructType(json_fields), {"columnNameOfCorruptRecord": CORRUPT}
    )
    keep = [F.col(quote_path([c])) for c in partition_columns]
    # The full parse reads the mixed fields as strings already: three more parses suffice.
    row = "__gluerun_row__"
    frame, parsed = _parsed(text, list(mixed), full.alias(row), *keep, kinds=_KINDS[:3])
    parsed["string"] = F.col(row)
    columns: list[Column] = []
    for field in schema.fields:
        if field.name in mixed:
            columns.append(_choice_column(parsed, field.name, mixed[field.name]))
        elif field.name in partition_columns:  # from the folder names
            columns.append(F.col(quote_path([field.name])))
        else:
            columns.append(F.col(row)[field.name].alias(field.name))
    return frame.select(*columns)


def _choice_column(parsed: Mapping[str, Column], name: str, branches: Sequence[str]) -> Column:
    tokens = _token_columns(parsed, name)
    parts = []
    for branch in branches:
        source = tokens["long" if branch == "int" else branch]
        parts.append(source.cast(_BRANCH_TYPES[branch]).alias(branch))
    return F.struct(*parts).alias(name, metadata={CHOICE_KEY: True})


# -- ResolveChoice ---------------------------------------------------------------------------


def _field_at(schema: T.StructType, names: Sequence[str]) -> T.StructField:
    current: Any = schema
    field: T.StructField | None = None
    for name in names:
        field = current[name]
        current = field.dataType
    assert field is not None
    return field


def resolve_spec(
    frame: DataFrame,
    path: str,
    action: str,
    catalog_types: Mapping[str, str] | None = None,
) -> DataFrame:
    """`frame` with the field at `path` resolved by one ResolveChoice `action`.

    Choice fields resolve as Glue documents; a plain field is cast (``cast``/``project``),
    renamed to ``path_<type>`` (``make_cols``) or wrapped as ``{<type>: value}``
    (``make_struct``) as if it were a choice of one type.
    """
    names = resolve(frame.schema, path)
    if names is None:
        return frame
    kind, _, type_name = action.partition(":")
    kind = kind.strip().lower()
    type_name = type_name.strip().lower()
    field = _field_at(frame.schema, names)
    if kind == "match_catalog":
        target = (catalog_types or {}).get(".".join(names).lower())
        if target is None:
            return frame
        kind, type_name = "cast", target
    if is_choice(field):
        return _resolve_choice(frame, names, field, kind, type_name)
    return _resolve_plain(frame, names, field, kind, type_name)


def _resolve_choice(
    frame: DataFrame, names: list[str], field: T.StructField, kind: str, type_name: str
) -> DataFrame:
    value = F.col(quote_path(names))
    branches = [f.name for f in field.dataType.fields]  # type: ignore[attr-defined]
    if kind == "cast":
        cast = F.coalesce(*[value[b].cast(type_name) for b in branches])
        return _replace(frame, names, cast)
    if kind == "project":
        kept = [b for b in branches if b == _glue_name(type_name)]
        projected = value[kept[0]].cast(type_name) if kept else F.lit(None).cast(type_name)
        return _replace(frame, names, projected)
    if kind == "make_struct":
        return _replace(frame, names, value)
    if kind == "make_cols":
        moved = drop_field(frame.withColumn(MOVED_COLUMN, value), names)
        for branch in branches:
            target = [*names[:-1], f"{names[-1]}_{branch}"]
            moved = set_field(moved, target, F.col(MOVED_COLUMN)[branch])
        return moved.drop(MOVED_COLUMN)
    raise ValueError(f"Unknown resolveChoice action {kind!r}")


def _resolve_plain(
    frame: DataFrame, names: list[str], field: T.StructField, kind: str, type_name: str
) -> DataFrame:
    value = F.col(quote_path(names))
    type_label = _glue_name(field.dataType.simpleString())
    if kind in ("cast", "project"):
        return set_field(frame, names, value.cast(type_name))
    if kind == "make_cols":
        moved = drop_field(frame.withColumn(MOVED_COLUMN, value), names)
        renamed = [*names[:-1], f"{names[-1]}_{type_label}"]
        return set_field(moved, renamed, F.col(MOVED_COLUMN)).drop(MOVED_COLUMN)
    if kind == "make_struct":
        return set_field(frame, names, F.struct(value.alias(type_label)))
    raise ValueError(f"Unknown resolveChoice action {kind!r}")


def _replace(frame: DataFrame, names: list[str], value: Column) -> DataFrame:
    """Set the field, unmarking the choice (empty metadata would keep the old mark)."""
    if len(names) == 1:
        return frame.withColumn(names[0], value).withMetadata(names[0], {CHOICE_KEY: False})
    return set_field(frame, names, value)


def _glue_name(spark_name: str) -> str:
    """Glue's name of a Spark type name (``bigint`` is ``long``, ``integer`` is ``int``)."""
    return {"bigint": "long", "integer": "int", "tinyint": "byte", "smallint": "short"}.get(
        spark_name, spark_name
    )


def choice_paths(schema: T.StructType) -> list[str]:
    """The top-level choice fields of `schema` (``choice=`` resolves them all)."""
    return [quote_path([f.name]) for f in schema.fields if is_choice(f)]
