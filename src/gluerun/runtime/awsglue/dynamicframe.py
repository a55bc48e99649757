"""``DynamicFrame`` over a Spark DataFrame, with Glue's transforms and their documented semantics.

A Glue DynamicFrame is schema-on-read with choice types and error records; this one carries a
DataFrame (choices as marked struct columns, see ``_choice``) and the error records of the
steps that made it (``_errors``). Field paths use dots for nested struct fields and backticks
around names that contain dots, as in Glue.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from . import _choice, _ddb, _nesting, _records
from ._catalog_api import catalog
from ._catalog_read import CatalogTable
from ._collection import DynamicFrameCollection
from ._errors import ErrorRecords, split_malformed
from ._frame_ops import (
    MOVED_COLUMN,
    ColumnTree,
    cast_to,
    drop_field,
    parse_mapping,
    quote_path,
    set_field,
)

# Path helpers were public here first; scripts and tests import them from this module.
from ._frame_ops import resolve as resolve
from ._frame_ops import split_path as split_path
from .gluetypes import DynamicRecord, StructType, from_spark, tree_string

if TYPE_CHECKING:
    from .context import GlueContext

__all__ = ["DynamicFrame", "DynamicFrameCollection", "ResolveOption"]

#: split_rows comparators, as Glue names them
_COMPARATORS: dict[str, Callable[[Column, Any], Column]] = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
}
#: toDF option actions and the ResolveChoice action each one is
_TO_DF_ACTIONS = {"project": "project", "cast": "cast", "keepasstruct": "make_struct"}


class ResolveOption:
    """How ``toDF`` resolves one choice: action ``Project``, ``KeepAsStruct`` or ``Cast``."""

    def __init__(self, path: str, action: str, target: Any = None) -> None:
        self.path = path
        self.action = action
        self.target = target


def _thresholds(stage: int, total: int) -> dict[str, Any]:
    return {"stageThreshold": stage, "totalThreshold": total}


class DynamicFrame:
    """A distributed collection of records (see the module docstring)."""

    def __init__(
        self,
        jdf: DataFrame,
        glue_ctx: GlueContext,
        name: str = "",
        errors: ErrorRecords | None = None,
    ) -> None:
        """Wrap the DataFrame `jdf` (Glue's own first argument is a JVM frame)."""
        self._df = jdf
        self.glue_ctx = glue_ctx
        self.name = name
        self._errors = errors if errors is not None else ErrorRecords()

    # -- conversion and inspection ------------------------------------------------------

    @classmethod
    def fromDF(cls, dataframe: DataFrame, glue_ctx: GlueContext, name: str = "") -> DynamicFrame:
        """A DynamicFrame of a Spark DataFrame."""
        return cls(dataframe, glue_ctx, name)

    @classmethod
    def from_read(cls, frame: DataFrame, glue_ctx: GlueContext, name: str = "") -> DynamicFrame:
        """The DynamicFrame of a source's records; malformed ones become error records."""
        records, malformed = split_malformed(frame)
        return cls(records, glue_ctx, name, ErrorRecords(malformed))

    def toDF(self, options: Sequence[ResolveOption] | None = None) -> DataFrame:
        """The records as a Spark DataFrame; choices stay structs unless `options` resolve them."""
        frame = self._df
        for option in options or []:
            action = _TO_DF_ACTIONS.get(option.action.strip().lower())
            if action is None:
                raise ValueError(f"Unknown toDF ResolveOption action {option.action!r}")
            if action != "make_struct":
                action = f"{action}:{_type_name(option.target)}"
            frame = _choice.resolve_spec(frame, option.path, action)
        return frame

    def _with(
        self,
        frame: DataFrame,
        stage_errors: DataFrame | None = None,
        thresholds: Mapping[str, Any] | None = None,
    ) -> DynamicFrame:
        """The frame a transform made of this one, carrying the error records so far."""
        errors = self._errors.then(stage_errors, thresholds)
        result = DynamicFrame(frame, self.glue_ctx, self.name, errors)
        if thresholds and any(thresholds.values()):
            errors.check()
        return result

    @property
    def _session(self) -> SparkSession:
        return self._df.sparkSession

    def with_frame_schema(self, schema: StructType) -> DynamicFrame:
        """Glue skips computing the schema; gluerun always knows it, so this is the frame."""
        return self

    def count(self) -> int:
        return self._df.count()

    def schema(self) -> StructType:
        """The schema as Glue types, with choice types (``gluetypes.ChoiceType``)."""
        schema = from_spark(self._df.schema)
        assert isinstance(schema, StructType)
        return schema

    def printSchema(self) -> None:
        print(tree_string(self.schema()), end="")

    def show(self, num_rows: int = 20) -> None:
        """Print up to `num_rows` records as JSON objects, as Glue does."""
        for line in self._df.toJSON().take(num_rows):
            print(json.dumps(json.loads(line), indent=2))

    def getNumPartitions(self) -> int:
        return self._df.rdd.getNumPartitions()

    # -- error records ------------------------------------------------------------------

    def errorsAsDynamicFrame(self) -> DynamicFrame:
        """The error records so far, each as a nested ``error`` struct (see ``_errors``)."""
        frame = self._errors.as_frame(self._session)
        return DynamicFrame(frame, self.glue_ctx, self.name)

    def errorsCount(self) -> int:
        """Error records of every step that made this frame."""
        return self._errors.total_count()

    def stageErrorsCount(self) -> int:
        """Error records of the last step only."""
        return self._errors.stage_count()

    def assertErrorThreshold(self) -> None:
        """Raise ErrorThresholdExceeded when a threshold given to the last step is exceeded."""
        self._errors.check()

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
        tree = ColumnTree()
        for spec in specs:
            source, target, target_type = parse_mapping(spec)
            names = resolve(self._df.schema, source, case_sensitive)
            if names is None:
                continue
            tree.put(split_path(target), cast_to(F.col(quote_path(names)), target_type))
        return self._with(self._df.select(*tree.columns()))

    def applyMapping(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        # Older scripts pass the frame itself first, as aws-glue-libs tolerates.
        if args and isinstance(args[0], DynamicFrame):
            args = args[1:]
        return self.apply_mapping(*args, **kwargs)

    def select_fields(
        self,
        paths: Sequence[str] | str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Keep only the fields at `paths` (nested ones in their parents); ignore unknown ones."""
        tree = ColumnTree()
        for path in [paths] if isinstance(paths, str) else paths:
            names = resolve(self._df.schema, path)
            if names is not None:
                tree.put(names, F.col(quote_path(names)))
        return self._with(self._df.select(*tree.columns()))

    def drop_fields(
        self,
        paths: Sequence[str] | str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Drop the fields at `paths`; unknown ones are ignored."""
        frame = self._df
        for path in [paths] if isinstance(paths, str) else paths:
            names = resolve(frame.schema, path)
            if names is not None:
                frame = drop_field(frame, names)
        return self._with(frame)

    def rename_field(
        self,
        oldName: str,
        newName: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Rename (or move) the field at `oldName` to the full path `newName`."""
        names = resolve(self._df.schema, oldName)
        if names is None:
            return self
        target = split_path(newName)
        if len(names) == 1 and len(target) == 1:
            return self._with(self._df.withColumnRenamed(names[0], target[0]))
        value = F.col(quote_path(names))
        frame = drop_field(self._df.withColumn(MOVED_COLUMN, value), names)
        value = F.col(MOVED_COLUMN)
        if len(target) == 1:
            return self._with(frame.withColumn(target[0], value).drop(MOVED_COLUMN))
        return self._with(set_field(frame, target, value, create=True).drop(MOVED_COLUMN))

    # -- record transforms --------------------------------------------------------------

    def filter(
        self,
        f: Callable[[DynamicRecord], Any],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Keep the records for which `f(record)` is true.

        A record `f` raises KeyError, ValueError or TypeError on is dropped; any other
        exception makes it an error record.
        """
        kept, errors = _records.filter_records(self._df, f, transformation_ctx, info)
        return self._with(kept, errors, _thresholds(stageThreshold, totalThreshold))

    def map(
        self,
        f: Callable[[DynamicRecord], Any],
        preservesPartitioning: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Replace each record by `f(record)`; records `f` raises on (or returns None for)
        become error records."""
        mapped, errors = _records.map_records(self._df, f, transformation_ctx, info)
        return self._with(mapped, errors, _thresholds(stageThreshold, totalThreshold))

    def mapPartitions(
        self,
        f: Callable[[Iterator[DynamicRecord]], Iterable[dict[str, Any]]],
        preservesPartitioning: bool = True,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        """The records `f(records of a partition)` yields, for every partition."""
        return self.mapPartitionsWithIndex(lambda _index, records: f(records))

    def mapPartitionsWithIndex(
        self,
        f: Callable[[int, Iterator[DynamicRecord]], Iterable[dict[str, Any]]],
        preservesPartitioning: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        """The records `f(partition index, records of the partition)` yields."""
        return self._with(_records.map_partitions(self._df, f))

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
        """Resolve choice fields per ``(path, action)`` spec, or every one by `choice`.

        Actions: ``cast:T`` casts every branch to T; ``project:T`` keeps the T branch (others
        become null); ``make_cols`` splits ``c`` into ``c_<type>`` fields; ``make_struct``
        keeps the struct of branches; ``match_catalog`` casts to the types of the catalog
        table `database`.`table_name`.
        """
        if specs is None and not choice:
            raise ValueError("Parameter specs and option are both missing, add one.")
        if specs is not None and choice:
            raise ValueError("Parameter specs and option are both specified, choose one.")
        items: list[tuple[str, str]] = [specs] if isinstance(specs, tuple) else list(specs or [])
        if choice:
            items = [(path, choice) for path in _choice.choice_paths(self._df.schema)]
        catalog_types = None
        if any(a.strip().lower() == "match_catalog" for _, a in items) or (
            choice.strip().lower() == "match_catalog"
        ):
            catalog_types = self._catalog_types(database, table_name, catalog_id)
        frame = self._df
        for path, action in items:
            frame = _choice.resolve_spec(frame, path, action, catalog_types)
        return self._with(frame)

    def _catalog_types(
        self, database: str | None, table_name: str | None, catalog_id: str | None
    ) -> dict[str, str]:
        """The catalog table's column types (Hive names, which Spark casts to) by name."""
        if not database or not table_name:
            raise ValueError("match_catalog needs database and table_name")
        table = CatalogTable(catalog(catalog_id).get_table(database, table_name))
        return {name.lower(): kind for name, kind in [*table.columns, *table.keys]}

    # -- reshaping ----------------------------------------------------------------------

    def unbox(
        self,
        path: str,
        format: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **options: Any,
    ) -> DynamicFrame:
        """Parse the string field at `path` as `format` (``json`` or ``csv``: ``separator``,
        ``escaper``, ``quoteChar``, ``withSchema``) into a struct, in place."""
        names = resolve(self._df.schema, path)
        if names is None:
            return self
        return self._with(_nesting.unbox(self._df, names, format, options))

    def unnest(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Nested struct fields become top-level fields named by their path (``a.b``)."""
        return self._with(_nesting.unnest(self._df))

    def relationalize(
        self,
        root_table_name: str,
        staging_path: str | None = None,
        options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrameCollection:
        """Flatten structs and pivot arrays out into tables (see ``_nesting``)."""
        tables = _nesting.relationalize(self._df, root_table_name)
        frames = {name: DynamicFrame(frame, self.glue_ctx, name) for name, frame in tables.items()}
        return DynamicFrameCollection(frames, self.glue_ctx)

    def unnest_ddb_json(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        """A DynamoDB export's ``Item`` fields as plain top-level fields (see ``_ddb``)."""
        return self._with(_ddb.unnest(self._df))

    def simplify_ddb_json(self) -> DynamicFrame:
        """Every DynamoDB type descriptor replaced by its value (see ``_ddb``)."""
        return self._with(_ddb.simplify(self._df))

    def split_fields(
        self,
        paths: Sequence[str] | str,
        name1: str,
        name2: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrameCollection:
        """Two frames: `name1` with the fields at `paths`, `name2` with the others."""
        chosen = self.select_fields(paths)
        rest = self.drop_fields(paths)
        frames = {name1: chosen._named(name1), name2: rest._named(name2)}
        return DynamicFrameCollection(frames, self.glue_ctx)

    def split_rows(
        self,
        comparison_dict: Mapping[str, Mapping[str, Any]],
        name1: str,
        name2: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrameCollection:
        """Two frames: `name1` with the records meeting every comparison (e.g.
        ``{"age": {">": 10, "<": 20}}``), `name2` with the others."""
        test = self._comparison(comparison_dict)
        chosen = self._with(self._df.where(test))._named(name1)
        rest = self._with(self._df.where(~test | test.isNull()))._named(name2)
        return DynamicFrameCollection({name1: chosen, name2: rest}, self.glue_ctx)

    def _comparison(self, comparison_dict: Mapping[str, Mapping[str, Any]]) -> Column:
        tests: list[Column] = []
        for path, comparisons in comparison_dict.items():
            names = resolve(self._df.schema, path)
            if names is None:
                raise ValueError(f"split_rows: no field {path!r}")
            for op, value in comparisons.items():
                if op not in _COMPARATORS:
                    raise ValueError(f"split_rows: unknown comparator {op!r}")
                tests.append(_COMPARATORS[op](F.col(quote_path(names)), value))
        return functools.reduce(operator.and_, tests, F.lit(True))

    def _named(self, name: str) -> DynamicFrame:
        return DynamicFrame(self._df, self.glue_ctx, name, self._errors)

    def spigot(
        self,
        path: str,
        options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Write a sample of the records to `path` as JSON and return this frame unchanged.

        ``topk`` (default 100) caps the sample; ``prob`` (default 1.0) is each record's
        chance to be in it.
        """
        opts = dict(options or {})
        sample = self._df
        prob = float(opts.get("prob", 1.0))
        if prob < 1.0:
            sample = sample.sample(fraction=prob)
        sample = sample.limit(int(opts.get("topk", 100)))
        self.glue_ctx.write_data_frame_from_options(sample, "s3", {"path": path}, "json")
        return self

    # -- whole frames -------------------------------------------------------------------

    def join(
        self,
        paths1: Sequence[str] | str,
        paths2: Sequence[str] | str,
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
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
                    F.col("l." + quote_path(split_path(pair[0])))
                    == F.col("r." + quote_path(split_path(pair[1])))
                )
            ),
            zip(keys1[1:], keys2[1:], strict=True),
            F.col("l." + quote_path(split_path(keys1[0])))
            == F.col("r." + quote_path(split_path(keys2[0]))),
        )
        seen = {name.lower() for name in self._df.columns}
        extra = [
            F.col("r." + quote_path([c])) for c in frame2.toDF().columns if c.lower() not in seen
        ]
        joined = left.join(right, condition, "inner").select(F.col("l.*"), *extra)
        return DynamicFrame(joined, self.glue_ctx, self.name + frame2.name)

    def union(
        self,
        other_frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        """All records of both frames; fields are matched by name, missing ones are null."""
        merged = self._df.unionByName(other_frame.toDF(), allowMissingColumns=True)
        return self._with(merged)

    def mergeDynamicFrame(
        self,
        stage_dynamic_frame: DynamicFrame,
        primary_keys: Sequence[str] | str,
        transformation_ctx: str = "",
        options: Mapping[str, Any] | None = None,
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        """This frame's records, each replaced by the staging records with its primary keys
        when there are some; staging records matching none are added. Duplicates stay."""
        keys = [primary_keys] if isinstance(primary_keys, str) else list(primary_keys)
        staged = stage_dynamic_frame.toDF()
        kept = self._df.join(staged.select(*keys).distinct(), keys, "left_anti")
        return self._with(kept.unionByName(staged, allowMissingColumns=True))

    def repartition(
        self,
        num_partitions: int,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **kwargs: Any,
    ) -> DynamicFrame:
        return self._with(self._df.repartition(num_partitions))

    def coalesce(
        self,
        num_partitions: int,
        shuffle: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
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
            *[F.count(F.col(quote_path([c]))).alias(c) for c in self._df.columns]
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


def _type_name(target: Any) -> str:
    """A toDF target (a Spark DataType, or a type name) as a cast type name."""
    if target is None:
        raise ValueError("toDF's Project and Cast options need a target type")
    return str(target.simpleString()) if hasattr(target, "simpleString") else str(target)


def __getattr__(name: str) -> Any:
    # aws-glue-libs defines the reader and writer here; gluerun's live with GlueContext.
    if name in ("DynamicFrameReader", "DynamicFrameWriter"):
        from . import context

        return getattr(context, name)
    raise AttributeError(f"module 'awsglue.dynamicframe' has no attribute {name!r}")
