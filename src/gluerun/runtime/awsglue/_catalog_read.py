"""Reading a Data Catalog table: its format from classification/SerDe, its partitions from
GetPartitions, and the data at each chosen partition's Location, with partition columns.

Partition pruning never lists files: ``catalogPartitionPredicate`` goes to the server as the
GetPartitions ``Expression``; ``push_down_predicate`` (any Spark SQL condition) is evaluated by
Spark over a small DataFrame of the returned partitions' values, typed by the partition keys.
Only the partitions left are read, each at its own Location (so non-Hive layouts work), and
their values become columns cast to the keys' types. With a job bookmark on the source, the
files of the chosen partitions go through the file-source bookmark (``_bookmarks``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import reduce
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from . import _bookmarks
from ._catalog_api import GlueCatalog
from ._storage import Storage

__all__ = ["CatalogTable", "read_table", "table_format"]

#: SerDe/InputFormat fragments → Glue format names, in the order they are tried
_BY_LIBRARY = (
    ("parquet", "parquet"),
    ("orc", "orc"),
    ("avro", "avro"),
    ("json", "json"),
    ("opencsvserde", "csv"),
    ("lazysimpleserde", "csv"),
    ("textinputformat", "csv"),
)
_FILE_FORMATS = ("parquet", "orc", "avro", "json", "csv")
JDBC_CLASSIFICATIONS = ("postgresql", "mysql")
_LOCAL_URI = re.compile(r"^file:/+")
_AVRO_HINT = (
    "reading avro needs Spark's avro data source, which PySpark does not bundle: give the job "
    "the spark-avro_2.12 jar of your Spark version with --extra-jars, or run it with "
    "--conf spark.jars.packages=org.apache.spark:spark-avro_2.12:<your Spark version>"
)


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class CatalogTable:
    """A GetTable answer, with the parts a reader or writer needs."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = dict(doc)
        self.name: str = doc["Name"]
        self.database: str = doc["DatabaseName"]
        self.descriptor: dict[str, Any] = dict(doc.get("StorageDescriptor") or {})
        self.parameters: dict[str, str] = dict(doc.get("Parameters") or {})

    @property
    def location(self) -> str:
        return str(self.descriptor.get("Location") or "")

    @property
    def keys(self) -> list[tuple[str, str]]:
        return [(k["Name"], k.get("Type") or "string") for k in self.doc.get("PartitionKeys", [])]

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [(c["Name"], c.get("Type") or "string") for c in self.descriptor.get("Columns", [])]

    @property
    def classification(self) -> str:
        inner = self.descriptor.get("Parameters") or {}
        return str(self.parameters.get("classification") or inner.get("classification") or "")

    def data_schema(self) -> str | None:
        """The data columns as a Spark DDL schema (None when the catalog lists none)."""
        if not self.columns:
            return None
        return ", ".join(f"{_quote(name)} {kind}" for name, kind in self.columns)


def table_format(table: CatalogTable) -> tuple[str, dict[str, Any]]:
    """Glue's format name and format_options for the table's files.

    Raises ValueError for a table whose format gluerun cannot read.
    """
    serde = table.descriptor.get("SerdeInfo") or {}
    library = str(serde.get("SerializationLibrary") or "").lower()
    input_format = str(table.descriptor.get("InputFormat") or "").lower()
    fmt = table.classification.lower()
    if fmt not in _FILE_FORMATS:
        fmt = next(
            (name for part, name in _BY_LIBRARY if part in library or part in input_format), ""
        )
    if not fmt:
        raise ValueError(
            f"table {table.database}.{table.name} has classification {table.classification!r} "
            f"and SerDe {library or None!r}: gluerun reads csv, json, parquet, orc and avro tables"
        )
    if fmt != "csv":
        return fmt, {"multiLine": table.parameters.get("multiLine", "false")}
    return fmt, _csv_options(table, serde.get("Parameters") or {})


def _csv_options(table: CatalogTable, serde: Mapping[str, str]) -> dict[str, Any]:
    separator = (
        serde.get("separatorChar")
        or serde.get("field.delim")
        or table.parameters.get("delimiter")
        or ","
    )
    skip = table.parameters.get("skip.header.line.count") or serde.get("skip.header.line.count")
    options: dict[str, Any] = {
        "separator": separator,
        "quoteChar": serde.get("quoteChar", '"'),
        "withHeader": str(skip or "0").strip() not in ("", "0"),
    }
    if serde.get("escapeChar"):
        options["escaper"] = serde["escapeChar"]
    return options


def _load(
    spark: SparkSession,
    paths: Sequence[str],
    fmt: str,
    options: Mapping[str, Any],
    schema: str | StructType | None,
) -> DataFrame:
    """The files at `paths` (folders are read through) in `fmt`, with `schema` when given."""
    reader = spark.read.option("recursiveFileLookup", "true")
    if schema:
        reader = reader.schema(schema)
    if fmt == "csv":
        quote = str(options.get("quoteChar", '"'))
        reader = reader.option("sep", str(options.get("separator", ",")))
        reader = reader.option("quote", "\u0000" if quote == "-1" else quote)
        if options.get("escaper"):
            reader = reader.option("escape", str(options["escaper"]))
        return reader.option("header", bool(options.get("withHeader"))).csv(list(paths))
    if fmt == "json":
        multi = str(options.get("multiLine", "false")).lower() == "true"
        return reader.option("multiLine", multi).json(list(paths))
    if fmt == "avro":
        try:
            return reader.format("avro").load(list(paths))
        except Exception as exc:
            if "avro" in str(exc).lower() and "data source" in str(exc).lower():
                raise ValueError(_AVRO_HINT) from exc
            raise
    return reader.format(fmt).load(list(paths))


def prune(
    spark: SparkSession,
    keys: Sequence[tuple[str, str]],
    partitions: Sequence[Mapping[str, Any]],
    predicate: str,
) -> list[Mapping[str, Any]]:
    """The partitions whose values satisfy the Spark SQL `predicate` (push_down_predicate)."""
    if not predicate.strip() or not partitions:
        return list(partitions)
    names = [name for name, _ in keys]
    rows = [(index, *p["Values"]) for index, p in enumerate(partitions)]
    schema = ", ".join(["`__index` int", *[f"{_quote(name)} string" for name in names]])
    values = spark.createDataFrame(rows, schema)
    typed = values.select(
        "__index", *[F.col(_quote(name)).cast(kind).alias(name) for name, kind in keys]
    )
    kept = {row["__index"] for row in typed.where(predicate).select("__index").collect()}
    return [p for index, p in enumerate(partitions) if index in kept]


def _with_values(
    frame: DataFrame, keys: Sequence[tuple[str, str]], values: Sequence[str]
) -> DataFrame:
    for (name, kind), value in zip(keys, values, strict=True):
        frame = frame.withColumn(name, F.lit(value).cast(kind))
    return frame


def _partition_location(table: CatalogTable, partition: Mapping[str, Any]) -> str:
    location = str((partition.get("StorageDescriptor") or {}).get("Location") or "")
    if location:
        return location
    # a partition without a Location lies in Hive's key=value folder below the table
    parts = [
        f"{name}={value}" for (name, _), value in zip(table.keys, partition["Values"], strict=True)
    ]
    return table.location.rstrip("/") + "/" + "/".join(parts) + "/"


def read_table(
    spark: SparkSession,
    storage: Storage,
    catalog: GlueCatalog,
    database: str,
    table_name: str,
    push_down_predicate: str = "",
    options: Mapping[str, Any] | None = None,
    ctx: str = "",
) -> DataFrame:
    """The rows of the catalog table (see the module docstring)."""
    table = CatalogTable(catalog.get_table(database, table_name))
    fmt, fmt_options = table_format(table)
    opts = dict(options or {})
    if not table.keys:
        return _read_locations(spark, storage, table, fmt, fmt_options, [(table.location, [])], ctx)
    listed = list(
        catalog.get_partitions(
            database, table_name, str(opts.get("catalogPartitionPredicate") or "")
        )
    )
    chosen = prune(spark, table.keys, listed, push_down_predicate or "")
    places = [(_partition_location(table, p), list(p["Values"])) for p in chosen]
    return _read_locations(spark, storage, table, fmt, fmt_options, places, ctx)


def _read_locations(
    spark: SparkSession,
    storage: Storage,
    table: CatalogTable,
    fmt: str,
    fmt_options: Mapping[str, Any],
    places: Sequence[tuple[str, Sequence[str]]],
    ctx: str,
) -> DataFrame:
    """The data under each (location, partition values), unioned."""
    bookmarks = _bookmarks.current()
    keys = table.keys
    schema = table.data_schema()
    groups: list[tuple[list[str], Sequence[str]]] = []
    if bookmarks is not None and bookmarks.active and ctx:
        groups = _bookmarked(storage, bookmarks, ctx, places)
    else:
        groups = [(storage.read_paths([location]), values) for location, values in places]
    groups = [(paths, values) for paths, values in groups if paths]
    together = _read_together(spark, groups, keys, fmt, fmt_options, schema)
    if together is not None:
        return together
    common: str | StructType | None = schema if fmt in ("csv", "json") else None
    if common is None and len(groups) > 1:
        # one schema inference over every chosen file instead of one Spark job per partition
        every = [path for paths, _ in groups for path in paths]
        common = _load(spark, every, fmt, fmt_options, None).schema
    frames = [
        _with_values(_load(spark, paths, fmt, fmt_options, common), keys if values else [], values)
        for paths, values in groups
    ]
    if not frames:
        return _empty(spark, table)
    return reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)


def _qualified(spark: SparkSession, path: str) -> str:
    """`path` as Spark names the files below it (``_metadata.file_path``), with a final /."""
    jvm = spark.sparkContext._jvm
    hadoop = jvm.org.apache.hadoop.fs.Path(path)  # type: ignore[union-attr]
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    qualified = hadoop.getFileSystem(conf).makeQualified(hadoop)
    return _LOCAL_URI.sub("file:/", str(qualified.toUri().toString())).rstrip("/") + "/"


def _read_together(
    spark: SparkSession,
    groups: Sequence[tuple[list[str], Sequence[str]]],
    keys: Sequence[tuple[str, str]],
    fmt: str,
    fmt_options: Mapping[str, Any],
    schema: str | None,
) -> DataFrame | None:
    """All partitions in one Spark read, each row's values joined in by the partition folder
    its file lies in; None when that cannot be told apart (folders at different depths or
    inside one another), and the caller reads partition by partition instead."""
    if not keys or len(groups) < 2 or any(len(paths) != 1 for paths, _ in groups):
        return None
    prefixes = [_qualified(spark, paths[0]) for paths, _ in groups]
    depths = {prefix.count("/") for prefix in prefixes}
    if len(depths) != 1 or len(set(prefixes)) != len(prefixes):
        return None
    depth = depths.pop()
    frame = _load(spark, [paths[0] for paths, _ in groups], fmt, fmt_options, schema)
    data = list(frame.columns)
    # Hadoop writes local URIs file:/x or file:///x depending on the call: compare one form
    file_path = F.regexp_replace(F.col("_metadata.file_path"), _LOCAL_URI.pattern, "file:/")
    folder = F.concat(F.substring_index(file_path, "/", depth), F.lit("/"))
    names = [name for name, _ in keys]
    rows = [(prefix, *values) for prefix, (_, values) in zip(prefixes, groups, strict=True)]
    ddl = ", ".join(["`__gluerun_folder` string", *[f"{_quote(n)} string" for n in names]])
    mapping = spark.createDataFrame(rows, ddl).select(
        "__gluerun_folder", *[F.col(_quote(n)).cast(kind).alias(n) for n, kind in keys]
    )
    joined = frame.withColumn("__gluerun_folder", folder).join(
        F.broadcast(mapping), "__gluerun_folder"
    )
    return joined.select(*[F.col(_quote(c)) for c in data], *[F.col(_quote(n)) for n in names])


def _bookmarked(
    storage: Storage,
    bookmarks: _bookmarks.BookmarkContext,
    ctx: str,
    places: Sequence[tuple[str, Sequence[str]]],
) -> list[tuple[list[str], Sequence[str]]]:
    """The files of each place that the source's bookmark has not processed yet."""
    owners: dict[str, int] = {}
    listed: list[_bookmarks.FileEntry] = []
    for index, (location, _) in enumerate(places):
        for entry in _bookmarks.list_files([location], True, storage):
            owners[entry.path] = index
            listed.append(entry)
    chosen = bookmarks.select(ctx, listed)
    by_place: dict[int, list[_bookmarks.FileEntry]] = {}
    for entry in chosen:
        by_place.setdefault(owners[entry.path], []).append(entry)
    groups = []
    for index, entries in sorted(by_place.items()):
        _, readable = storage.read_files(entries[0].root, [e.path for e in entries])
        groups.append((readable, places[index][1]))
    return groups


def _empty(spark: SparkSession, table: CatalogTable) -> DataFrame:
    columns = [*table.columns, *table.keys]
    if not columns:
        return spark.createDataFrame([], StructType([]))
    ddl = ", ".join(f"{_quote(name)} {kind}" for name, kind in columns)
    return spark.createDataFrame([], ddl)
