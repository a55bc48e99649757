"""``DynamicFrame`` over a Spark DataFrame, with Glue's transforms and their documented semantics.

A Glue DynamicFrame is schema-on-read with choice types; this one carries a DataFrame, so each
column has one type (mixed JSON values arrive as Spark widens them). Field paths use dots for
nested struct fields and backticks around names that contain dots, as in Glue.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pyspark.rdd import RDD
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from ._frame_ops import (
    _MOVED,
    Record,
    _apply,
    _cast,
    _drop,
    _keep,
    _mapping,
    _quote,
    _resolve_one,
    _set,
    _Tree,
)

# Path helpers were public here first; scripts and tests import them from this module.
from ._frame_ops import resolve as resolve
from ._frame_ops import split_path as split_path

if TYPE_CHECKING:
    from .context import GlueContext

__all__ = ["DynamicFrame", "DynamicFrameCollection"]


class DynamicFrame:
    """A distributed collection of records (see the module docstring)."""

    def __init__(self, jdf: DataFrame, glue_ctx: GlueContext, name: str = "") -> None:
        """Wrap the DataFrame `jdf` (Glue's own first argument is a JVM frame)."""
        self._df = jdf
        self.glue_ctx = glue_ctx
        self.name = name

    # -- conversion and inspection ------------------------------------------------------

    @classmethod
    def fromDF(cls, dataframe: DataFrame, glue_ctx: GlueContext, name: str = "") -> DynamicFrame:
        """A DynamicFrame of a Spark DataFrame."""
        return cls(dataframe, glue_ctx, name)

    def toDF(self, options: Sequence[Any] | None = None) -> DataFrame:
        """The records as a Spark DataFrame."""
        return self._df

    def _with(self, frame: DataFrame) -> DynamicFrame:
        return DynamicFrame(frame, self.glue_ctx, self.name)

    @property
    def _session(self) -> SparkSession:
        return self._df.sparkSession

    def count(self) -> int:
        return self._df.count()

    def schema(self) -> StructType:
        return self._df.schema

    def printSchema(self) -> None:
        self._df.printSchema()

    def show(self, num_rows: int = 20) -> None:
        """Print up to `num_rows` records as JSON objects, as Glue does."""
        for line in self._df.toJSON().take(num_rows):
            print(json.dumps(json.loads(line), indent=2))

    def getNumPartitions(self) -> int:
        return self._df.rdd.getNumPartitions()

    def errorsCount(self) -> int:
        """Error records are not kept by gluerun (see filter and map): always 0."""
        return 0

    def stageErrorsCount(self) -> int:
        return 0

    def assertErrorThreshold(self) -> None:
        return None

    # -- field transforms ---------------------------------------------------------------

    def apply_mapping(
        self,
        mappings: Sequence[Sequence[str]] | tuple[str, ...],
        case_sensitive: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Keep only the mapped fields, renamed and cast; unknown sources are left out.

        Each mapping is ``(source, source_type, target, target_type)``, or
        ``(source, target, target_type)``, or ``(source, target)``; dotted targets build
        nested structs.
        """
        specs = [mappings] if isinstance(mappings, tuple) else list(mappings)
        tree = _Tree()
        for spec in specs:
            source, target, target_type = _mapping(spec)
            names = resolve(self._df.schema, source, case_sensitive)
            if names is None:
                continue
            tree.put(split_path(target), _cast(F.col(_quote(names)), target_type))
        return self._with(self._df.select(*tree.columns()))

    def applyMapping(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        return self.apply_mapping(*args, **kwargs)

    def select_fields(
        self, paths: Sequence[str] | str, transformation_ctx: str = "", **kwargs: Any
    ) -> DynamicFrame:
        """Keep only the fields at `paths` (nested ones in their parents); ignore unknown ones."""
        tree = _Tree()
        for path in [paths] if isinstance(paths, str) else paths:
            names = resolve(self._df.schema, path)
            if names is not None:
                tree.put(names, F.col(_quote(names)))
        return self._with(self._df.select(*tree.columns()))

    def drop_fields(
        self, paths: Sequence[str] | str, transformation_ctx: str = "", **kwargs: Any
    ) -> DynamicFrame:
        """Drop the fields at `paths`; unknown ones are ignored."""
        frame = self._df
        for path in [paths] if isinstance(paths, str) else paths:
            names = resolve(frame.schema, path)
            if names is not None:
                frame = _drop(frame, names)
        return self._with(frame)

    def rename_field(
        self, oldName: str, newName: str, transformation_ctx: str = "", **kwargs: Any
    ) -> DynamicFrame:
        """Rename (or move) the field at `oldName` to the full path `newName`."""
        names = resolve(self._df.schema, oldName)
        if names is None:
            return self
        target = split_path(newName)
        if len(names) == 1 and len(target) == 1:
            return self._with(self._df.withColumnRenamed(names[0], target[0]))
        value = F.col(_quote(names))
        frame = _drop(self._df.withColumn(_MOVED, value), names)
        value = F.col(_MOVED)
        if len(target) == 1:
            return self._with(frame.withColumn(target[0], value).drop(_MOVED))
        return self._with(_set(frame, target, value, create=True).drop(_MOVED))

    # -- record transforms --------------------------------------------------------------

    def filter(
        self, f: Callable[[Record], Any], transformation_ctx: str = "", **kwargs: Any
    ) -> DynamicFrame:
        """Keep the records for which `f(record)` is true; a record `f` fails on is dropped."""
        kept: RDD[Row] = self._df.rdd.filter(functools.partial(_keep, f))
        return self._with(self._session.createDataFrame(kept, self._df.schema))

    def map(
        self, f: Callable[[Record], Any], transformation_ctx: str = "", **kwargs: Any
    ) -> DynamicFrame:
        """Replace each record by `f(record)` (a dict); records `f` fails on are dropped."""
        mapped: RDD[Any] = self._df.rdd.flatMap(functools.partial(_apply, f))
        return self._with(self._infer(mapped))

    def _infer(self, rows: RDD[Any]) -> DataFrame:
        """A DataFrame of `rows`, its schema inferred from all of them."""
        rows = rows.cache()
        try:
            return self._session.createDataFrame(rows, samplingRatio=1.0)
        except (ValueError, TypeError):
            # Nothing to infer from (no records, or a field None everywhere): via JSON,
            # where such fields become strings or disappear, as in a schema-on-read frame.
            text = rows.map(lambda row: json.dumps(row.asDict(recursive=True), default=str))
            return self._session.read.json(text)

    # -- choices ------------------------------------------------------------------------

    def resolveChoice(
        self,
        specs: Sequence[tuple[str, str]] | tuple[str, str] | None = None,
        choice: str = "",
        database: str | None = None,
        table_name: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        """Resolve fields per ``(path, action)``: ``cast:T``/``project:T`` cast to T,
        ``make_cols`` renames to ``path_T``, ``make_struct`` wraps in a struct ``{T: value}``.

        A DataFrame has no choice columns, so `choice` alone changes nothing.
        """
        if specs is None and not choice:
            raise ValueError("Parameter specs and option are both missing, add one.")
        if specs is not None and choice:
            raise ValueError("Parameter specs and option are both specified, choose one.")
        if choice.strip().lower() == "match_catalog":
            raise RuntimeError("gluerun has no Data Catalog: resolveChoice match_catalog")
        items: list[tuple[str, str]] = [specs] if isinstance(specs, tuple) else list(specs or [])
        frame = self._df
        for path, action in items:
            frame = _resolve_one(frame, path, action)
        return self._with(frame)

    # -- whole frames -------------------------------------------------------------------

    def join(
        self,
        paths1: Sequence[str] | str,
        paths2: Sequence[str] | str,
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """Equality join on ``paths1[i] == paths2[i]``; every field of both frames is kept.

        A key pair with the same name gives one field; any other name in both frames keeps
        this frame's field (rename first to keep both).
        """
        keys1 = [paths1] if isinstance(paths1, str) else list(paths1)
        keys2 = [paths2] if isinstance(paths2, str) else list(paths2)
        if len(keys1) != len(keys2) or not keys1:
            raise ValueError("join needs as many keys for each frame, at least one")
        left, right = self._df.alias("l"), frame2.toDF().alias("r")
        condition = functools.reduce(
            lambda acc, pair: (
                acc
                & (
                    F.col("l." + _quote(split_path(pair[0])))
                    == F.col("r." + _quote(split_path(pair[1])))
                )
            ),
            zip(keys1[1:], keys2[1:], strict=True),
            F.col("l." + _quote(split_path(keys1[0])))
            == F.col("r." + _quote(split_path(keys2[0]))),
        )
        seen = {name.lower() for name in self._df.columns}
        extra = [F.col("r." + _quote([c])) for c in frame2.toDF().columns if c.lower() not in seen]
        joined = left.join(right, condition, "inner").select(F.col("l.*"), *extra)
        return DynamicFrame(joined, self.glue_ctx, self.name + frame2.name)

    def union(
        self, other_frame: DynamicFrame, transformation_ctx: str = "", **kwargs: Any
    ) -> DynamicFrame:
        """All records of both frames; fields are matched by name, missing ones are null."""
        merged = self._df.unionByName(other_frame.toDF(), allowMissingColumns=True)
        return self._with(merged)

    def repartition(
        self, num_partitions: int, transformation_ctx: str = "", **kwargs: Any
    ) -> DynamicFrame:
        return self._with(self._df.repartition(num_partitions))

    def coalesce(
        self,
        num_partitions: int,
        shuffle: bool = False,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        if shuffle:
            return self.repartition(num_partitions)
        return self._with(self._df.coalesce(num_partitions))

    def drop_null_fields(self, transformation_ctx: str = "", **kwargs: Any) -> DynamicFrame:
        """Drop the top-level fields that are null (or missing) in every record."""
        if not self._df.columns:
            return self
        counts = self._df.select(
            *[F.count(F.col(_quote([c]))).alias(c) for c in self._df.columns]
        ).first()
        empty = [c for c in self._df.columns if counts is None or counts[c] == 0]
        return self._with(self._df.drop(*empty)) if empty else self

    def write(
        self,
        connection_type: str,
        connection_options: dict[str, Any] | None = None,
        format: str | None = None,
        format_options: dict[str, Any] | None = None,
        accumulator_size: int = 0,
    ) -> DynamicFrame:
        return self.glue_ctx.write_dynamic_frame_from_options(
            self, connection_type, connection_options, format, format_options
        )


class DynamicFrameCollection:
    """Named DynamicFrames, as some Glue transforms return."""

    def __init__(
        self,
        dynamic_frames: dict[str, DynamicFrame] | Iterable[DynamicFrame],
        glue_ctx: GlueContext,
    ) -> None:
        self._glue_ctx = glue_ctx
        self._frames: dict[str, DynamicFrame]
        if isinstance(dynamic_frames, dict):
            self._frames = dict(dynamic_frames)
        else:
            self._frames = {frame.name: frame for frame in dynamic_frames}

    def __getitem__(self, key: str) -> DynamicFrame:
        return self._frames[key]

    def __len__(self) -> int:
        return len(self._frames)

    def keys(self) -> list[str]:
        return list(self._frames)

    def values(self) -> list[DynamicFrame]:
        return list(self._frames.values())

    def select(self, key: str, transformation_ctx: str = "") -> DynamicFrame:
        return self._frames[key]
