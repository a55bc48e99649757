"""``--enable-glue-datacatalog``: Spark SQL over the Data Catalog, on stock PySpark.

Glue plugs its catalog in as Spark's Hive metastore, which needs a patched Hive (HIVE-12679)
that PySpark does not ship, and a Spark catalog plugin needs JVM code. So gluerun mirrors
instead, from Python:

- **Glue → Spark**, when the GlueContext is created: every catalog database becomes a Spark
  database and every table an external Spark table at its Location (``USING`` its format,
  with CSV's separator/quote/header as options), partitioned tables with their catalog
  partitions added one by one at their own Locations, so ``spark.sql("SELECT ... FROM
  db.tbl")`` reads exactly the catalog's partitions. Tables gluerun cannot read this way
  (views, Iceberg/Delta, JDBC, ``s3://`` data without s3a) are skipped with a note on stderr.
- **Spark → Glue**, after ``DataFrameWriter.saveAsTable``/``insertInto`` and after
  ``spark.sql`` statements that change tables (CREATE, DROP, ALTER, INSERT, MSCK...): Spark
  databases and tables that the catalog lacks are created there (``CreateDatabase``;
  ``CreateTable`` with the table's columns, partition keys, Location, format SerDe and
  ``classification``), tables dropped in Spark are deleted, and the partitions of the table a
  statement wrote are added (BatchCreatePartition).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from pyspark.errors import AnalysisException, ParseException
from pyspark.sql import DataFrameWriter, SparkSession

from ._catalog_api import CatalogError, GlueCatalog
from ._catalog_read import CatalogTable, table_format
from ._catalog_write import SERDES
from ._storage import Storage, is_s3

__all__ = ["SparkCatalogMirror", "enabled"]

FLAG = "--enable-glue-datacatalog"
_CHANGES = re.compile(r"^\s*(CREATE|DROP|ALTER|INSERT|REPLACE|MSCK|TRUNCATE|LOAD)\b", re.I)
_TARGET = re.compile(
    r"\b(?:TABLE|INTO|OVERWRITE)\s+(?:TABLE\s+)?(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([`\w.]+)", re.I
)
_SPARK_FORMATS = ("parquet", "orc", "json", "csv", "avro")
_PARTITION_BATCH = 100

_active: SparkCatalogMirror | None = None


def enabled(argv: Sequence[str]) -> bool:
    """Whether the job was started with ``--enable-glue-datacatalog`` (any value but false)."""
    if FLAG not in argv:
        return False
    index = list(argv).index(FLAG)
    value = argv[index + 1] if index + 1 < len(argv) else ""
    return value.strip().lower() != "false"


def active() -> SparkCatalogMirror | None:
    return _active


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _note(message: str) -> None:
    print(f"gluerun: {message}", file=sys.stderr)


class SparkCatalogMirror:
    """Keeps a SparkSession's catalog and the Data Catalog in step (see the module docstring)."""

    def __init__(self, spark: SparkSession, catalog: GlueCatalog, storage: Storage) -> None:
        self.spark = spark
        self.catalog = catalog
        self.storage = storage
        #: (database, table) pairs both sides know
        self.known: set[tuple[str, str]] = set()
        self.databases: set[str] = set()

    # -- Glue → Spark -------------------------------------------------------------------------
    def load(self) -> None:
        """Mirror every catalog database and table into Spark's session catalog."""
        names = [db["Name"] for db in self.catalog.get_databases()]
        if "default" not in names:
            # Glue creates the default database when the job enables the catalog
            self.catalog.create_database(
                {"Name": "default", "Description": "Default Hive database"}
            )
            names.append("default")
        for name in names:
            self.databases.add(name)
            self._spark_sql(f"CREATE DATABASE IF NOT EXISTS {_quote(name)}")
            for table in self.catalog.get_tables(name):
                self._register_or_note(table)

    def _register_or_note(self, doc: Mapping[str, Any]) -> None:
        """Register one table; one Spark cannot take (a type it does not parse...) is noted
        and skipped rather than failing the job at GlueContext creation."""
        try:
            self.register(doc)
        except (AnalysisException, ParseException, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            _note(f"spark.sql cannot read {doc.get('DatabaseName')}.{doc.get('Name')}: {first}")

    def register(self, doc: Mapping[str, Any]) -> bool:
        """Create (or replace) the Spark table of a catalog table; False if it cannot be read."""
        table = CatalogTable(doc)
        reason = self._unreadable(table)
        if reason:
            _note(f"spark.sql cannot read {table.database}.{table.name}: {reason}")
            return False
        fmt, options = table_format(table)
        name = f"{_quote(table.database)}.{_quote(table.name)}"
        columns = ", ".join(f"{_quote(n)} {t}" for n, t in [*table.columns, *table.keys])
        ddl = [f"CREATE TABLE {name} ({columns}) USING {fmt}"]
        spark_options = _options(fmt, options)
        if spark_options:
            pairs = ", ".join(f"{_literal(k)} {_literal(v)}" for k, v in spark_options.items())
            ddl.append(f"OPTIONS ({pairs})")
        if table.keys:
            ddl.append(f"PARTITIONED BY ({', '.join(_quote(n) for n, _ in table.keys)})")
        ddl.append(f"LOCATION {_literal(self._location(table.location))}")
        self._spark_sql(f"DROP TABLE IF EXISTS {name}")
        self._spark_sql(" ".join(ddl))
        self.known.add((table.database, table.name))
        if table.keys:
            self._add_spark_partitions(table)
        return True

    def _add_spark_partitions(self, table: CatalogTable) -> None:
        names = [n for n, _ in table.keys]
        specs = []
        for partition in self.catalog.get_partitions(table.database, table.name):
            values = ", ".join(
                f"{_quote(k)}={_literal(v)}"
                for k, v in zip(names, partition["Values"], strict=True)
            )
            location = (partition.get("StorageDescriptor") or {}).get("Location")
            spec = f"PARTITION ({values})"
            if location:
                spec += f" LOCATION {_literal(self._location(location))}"
            specs.append(spec)
        target = f"{_quote(table.database)}.{_quote(table.name)}"
        for start in range(0, len(specs), _PARTITION_BATCH):
            chunk = " ".join(specs[start : start + _PARTITION_BATCH])
            self._spark_sql(f"ALTER TABLE {target} ADD IF NOT EXISTS {chunk}")

    def _unreadable(self, table: CatalogTable) -> str:
        kind = str(table.doc.get("TableType") or "").upper()
        if kind == "VIRTUAL_VIEW":
            return "views are not mirrored"
        special = str(table.parameters.get("table_type") or "").upper()
        if special:
            return f"{special} tables need their own Spark catalog"
        if not table.location:
            return "it has no Location"
        if is_s3(table.location) and not self.storage.s3a:
            return "its data is on s3:// and Spark reaches S3 only with s3a (hadoop-aws)"
        try:
            fmt, _ = table_format(table)
        except ValueError as exc:
            return str(exc)
        return "" if fmt in _SPARK_FORMATS else f"format {fmt} is not a Spark data source"

    def _location(self, location: str) -> str:
        return "s3a://" + location.split("://", 1)[1] if is_s3(location) else location

    def _spark_sql(self, statement: str) -> Any:
        return _ORIGINAL_SQL(self.spark, statement)

    # -- Spark → Glue -------------------------------------------------------------------------
    def sync(self, touched: str | None = None) -> None:
        """Push Spark's new databases and tables, dropped tables, and the partitions of the
        table `touched` (``db.table`` or ``table``) to the catalog."""
        spark_tables: set[tuple[str, str]] = set()
        for database in [row.name for row in self.spark.catalog.listDatabases()]:
            if database not in self.databases:
                self._create_database(database)
            for found in self.spark.catalog.listTables(database):
                if not found.isTemporary:
                    spark_tables.add((database, found.name))
        for database, name in sorted(spark_tables - self.known):
            self._create_table(database, name)
        for database, name in sorted(self.known - spark_tables):
            try:
                self.catalog.delete_table(database, name)
            except CatalogError as exc:
                if exc.kind != "EntityNotFoundException":
                    raise
            self.known.discard((database, name))
        target = self._resolve(touched)
        if target in self.known:
            self._push_partitions(*target)

    def _resolve(self, touched: str | None) -> tuple[str, str] | None:
        if not touched:
            return None
        parts = [p.strip("`").lower() for p in touched.split(".")]
        if len(parts) == 1:
            parts.insert(0, self.spark.catalog.currentDatabase())
        return parts[-2], parts[-1]

    def _create_database(self, database: str) -> None:
        found = self.spark.sql(f"DESCRIBE DATABASE {_quote(database)}").collect()
        info = {row[0]: row[1] for row in found}
        given = {"Name": database, "Description": info.get("Comment") or ""}
        if info.get("Location"):
            given["LocationUri"] = info["Location"]
        try:
            self.catalog.create_database(given)
        except CatalogError as exc:
            if exc.kind != "AlreadyExistsException":
                raise
        self.databases.add(database)

    def _describe(self, database: str, table: str) -> dict[str, str]:
        rows = _ORIGINAL_SQL(
            self.spark, f"DESCRIBE TABLE EXTENDED {_quote(database)}.{_quote(table)}"
        ).collect()
        return {str(row[0]).strip(): str(row[1] or "") for row in rows}

    def _create_table(self, database: str, table: str) -> None:
        details = self._describe(database, table)
        if details.get("Type", "").upper() == "VIEW":
            self.known.add((database, table))
            return
        provider = details.get("Provider", "").lower()
        columns = self.spark.catalog.listColumns(f"{_quote(database)}.{_quote(table)}")
        data = [
            {"Name": c.name, "Type": _hive_type(c.dataType)} for c in columns if not c.isPartition
        ]
        keys = [{"Name": c.name, "Type": _hive_type(c.dataType)} for c in columns if c.isPartition]
        location = details.get("Location", "").rstrip("/") + "/"
        library, input_format, output_format = SERDES.get(provider, ("", "", ""))
        descriptor: dict[str, Any] = {"Columns": data, "Location": location}
        if library:
            descriptor.update(
                InputFormat=input_format,
                OutputFormat=output_format,
                SerdeInfo={"SerializationLibrary": library, "Parameters": {}},
            )
        given = {
            "Name": table,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": provider, "spark.sql.sources.provider": provider},
            "PartitionKeys": keys,
            "StorageDescriptor": descriptor,
        }
        if self.catalog.find_table(database, table) is None:
            self.catalog.create_table(database, given)
        self.known.add((database, table))
        if keys:
            self._push_partitions(database, table)

    def _push_partitions(self, database: str, table: str) -> None:
        found = self.catalog.find_table(database, table)
        if found is None or not found.get("PartitionKeys"):
            return
        root = str((found.get("StorageDescriptor") or {}).get("Location") or "").rstrip("/")
        descriptor = {
            k: v for k, v in (found.get("StorageDescriptor") or {}).items() if k != "Location"
        }
        rows = _ORIGINAL_SQL(
            self.spark, f"SHOW PARTITIONS {_quote(database)}.{_quote(table)}"
        ).collect()
        partitions = []
        for row in rows:
            spec = str(row[0])
            values = [unquote(part.split("=", 1)[1]) for part in spec.split("/")]
            location = f"{root}/{spec}/"
            partitions.append(
                {"Values": values, "StorageDescriptor": {**descriptor, "Location": location}}
            )
        self.catalog.add_partitions(database, table, partitions)


def _hive_type(spark_type: str) -> str:
    return spark_type.lower()


def _options(fmt: str, options: Mapping[str, Any]) -> dict[str, str]:
    if fmt != "csv":
        return {}
    quote = str(options.get("quoteChar", '"'))
    found = {
        "sep": str(options.get("separator", ",")),
        "quote": "\u0000" if quote == "-1" else quote,
        "header": "true" if options.get("withHeader") else "false",
    }
    if options.get("escaper"):
        found["escape"] = str(options["escaper"])
    return found


# -- hooks -----------------------------------------------------------------------------------

_ORIGINAL_SQL = SparkSession.sql
_ORIGINAL_SAVE = DataFrameWriter.saveAsTable
_ORIGINAL_INSERT = DataFrameWriter.insertInto


def _sql(self: SparkSession, sqlQuery: str, *args: Any, **kwargs: Any) -> Any:
    result = _ORIGINAL_SQL(self, sqlQuery, *args, **kwargs)
    mirror = _active
    if mirror is not None and mirror.spark is self and _CHANGES.match(sqlQuery or ""):
        target = _TARGET.search(sqlQuery)
        mirror.sync(target.group(1) if target else None)
    return result


def _save_as_table(self: DataFrameWriter, name: str, *args: Any, **kwargs: Any) -> None:
    _ORIGINAL_SAVE(self, name, *args, **kwargs)
    if _active is not None:
        _active.sync(name)


def _insert_into(self: DataFrameWriter, tableName: str, *args: Any, **kwargs: Any) -> None:
    _ORIGINAL_INSERT(self, tableName, *args, **kwargs)
    if _active is not None:
        _active.sync(tableName)


def attach(spark: SparkSession, catalog: GlueCatalog, storage: Storage) -> SparkCatalogMirror:
    """Mirror the catalog into `spark` and keep it in step from now on."""
    global _active
    mirror = SparkCatalogMirror(spark, catalog, storage)
    mirror.load()
    _active = mirror
    SparkSession.sql = _sql  # type: ignore[method-assign]
    DataFrameWriter.saveAsTable = _save_as_table  # type: ignore[method-assign]
    DataFrameWriter.insertInto = _insert_into  # type: ignore[method-assign]
    return mirror


def detach() -> None:
    """Stop mirroring (tests)."""
    global _active
    _active = None
    SparkSession.sql = _ORIGINAL_SQL  # type: ignore[method-assign]
    DataFrameWriter.saveAsTable = _ORIGINAL_SAVE  # type: ignore[method-assign]
    DataFrameWriter.insertInto = _ORIGINAL_INSERT  # type: ignore[method-assign]
