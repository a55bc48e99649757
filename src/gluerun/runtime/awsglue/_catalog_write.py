"""Writing into a Data Catalog table and keeping the catalog up to date
(``enableUpdateCatalog``), as ``write_dynamic_frame.from_catalog`` and ``getSink`` do.

A write appends files at the table's Location (or the sink's ``path``), in ``key=value``
folders for the partition keys. With ``enableUpdateCatalog``: a missing table is created
(``getSink`` + ``setCatalogInfo``) with the frame's columns, its format's SerDe and
``classification``; with ``updateBehavior`` ``UPDATE_IN_DATABASE`` (the default) an existing
table's columns become the frame's, while ``LOG`` keeps them; and every partition written is
added with BatchCreatePartition (existing ones are left alone), its Location the folder it was
written to. Without ``enableUpdateCatalog`` the catalog is not touched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ._catalog_api import GlueCatalog, table_input
from ._catalog_read import CatalogTable, table_format

__all__ = ["SERDES", "update_catalog"]

_TEXT_IO = (
    "org.apache.hadoop.mapred.TextInputFormat",
    "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
)
#: format → (SerializationLibrary, InputFormat, OutputFormat) of the tables Glue creates
SERDES: Mapping[str, tuple[str, str, str]] = {
    "parquet": (
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    ),
    "orc": (
        "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
        "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
    ),
    "avro": (
        "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
    ),
    "json": ("org.openx.data.jsonserde.JsonSerDe", *_TEXT_IO),
    "csv": ("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", *_TEXT_IO),
}
UPDATE_IN_DATABASE = "UPDATE_IN_DATABASE"
LOG = "LOG"
#: characters Hive (and Spark) escape in partition folder names, as %XX
_ESCAPED = set("\"#%'*/:=?\\\x7f{[]^") | {chr(code) for code in range(0x20)}


def escape_path_name(value: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in _ESCAPED else c for c in value)


def partition_folder(root: str, keys: Sequence[str], values: Sequence[str]) -> str:
    parts = [
        f"{escape_path_name(k)}={escape_path_name(v)}" for k, v in zip(keys, values, strict=True)
    ]
    return root.rstrip("/") + "/" + "/".join(parts) + "/"


def glue_format(fmt: str) -> str:
    """The catalog classification of a sink format (``glueparquet`` is parquet)."""
    lowered = fmt.strip().lower()
    return "parquet" if lowered == "glueparquet" else lowered


def columns_of(frame: DataFrame, excluded: Sequence[str]) -> list[dict[str, str]]:
    """Catalog columns for `frame`'s fields (Hive type names), but `excluded`."""
    return [
        {"Name": field.name, "Type": field.dataType.simpleString()}
        for field in frame.schema.fields
        if field.name not in excluded
    ]


def new_table(
    name: str,
    frame: DataFrame,
    path: str,
    fmt: str,
    keys: Sequence[str],
    format_options: Mapping[str, Any],
) -> dict[str, Any]:
    """The TableInput Glue's sink creates for `frame` written at `path`."""
    classification = glue_format(fmt)
    library, input_format, output_format = SERDES[classification]
    types = {field.name: field.dataType.simpleString() for field in frame.schema.fields}
    serde: dict[str, Any] = {"SerializationLibrary": library, "Parameters": {}}
    parameters = {"classification": classification, "UPDATED_BY_CRAWLER": "false"}
    if classification == "csv":
        serde["Parameters"]["field.delim"] = str(format_options.get("separator", ","))
        header = str(format_options.get("writeHeader", True)).lower() != "false"
        if header:
            parameters["skip.header.line.count"] = "1"
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": [{"Name": key, "Type": types.get(key, "string")} for key in keys],
        "StorageDescriptor": {
            "Columns": columns_of(frame, keys),
            "Location": path.rstrip("/") + "/",
            "InputFormat": input_format,
            "OutputFormat": output_format,
            "SerdeInfo": serde,
            "Compressed": False,
            "Parameters": {"classification": classification},
        },
    }


def written_partitions(frame: DataFrame, keys: Sequence[str]) -> list[list[str]]:
    """The distinct partition values in `frame`, as the strings Spark names folders with."""
    if not keys:
        return []
    rows = frame.select(*[F.col(f"`{k}`").cast("string").alias(k) for k in keys]).distinct()
    return [
        ["__HIVE_DEFAULT_PARTITION__" if row[k] is None else str(row[k]) for k in keys]
        for row in rows.collect()
    ]


def update_catalog(
    catalog: GlueCatalog,
    database: str,
    table_name: str,
    frame: DataFrame,
    path: str,
    fmt: str,
    keys: Sequence[str],
    behavior: str,
    format_options: Mapping[str, Any],
) -> None:
    """Create or update the table for what `frame` wrote at `path`, and add its partitions."""
    if behavior not in (UPDATE_IN_DATABASE, LOG):
        raise ValueError(f"updateBehavior must be {UPDATE_IN_DATABASE} or {LOG}; got {behavior!r}")
    found = catalog.find_table(database, table_name)
    if found is None:
        created = new_table(table_name, frame, path, fmt, keys, format_options)
        catalog.create_table(database, created)
        table = CatalogTable({**created, "DatabaseName": database})
    else:
        table = CatalogTable(found)
        _check_keys(table, keys)
        if behavior == UPDATE_IN_DATABASE:
            _update_columns(catalog, table, frame, keys)
        elif not set(c["Name"] for c in columns_of(frame, keys)) <= {n for n, _ in table.columns}:
            raise ValueError(
                f"updateBehavior LOG: the frame has columns that table {database}.{table_name} "
                "does not; its partitions are not added"
            )
    descriptor = {k: v for k, v in table.descriptor.items() if k != "Location"}
    partitions = [
        {
            "Values": values,
            "StorageDescriptor": {**descriptor, "Location": partition_folder(path, keys, values)},
        }
        for values in written_partitions(frame, keys)
    ]
    catalog.add_partitions(database, table.name, partitions)


def _check_keys(table: CatalogTable, keys: Sequence[str]) -> None:
    existing = [name for name, _ in table.keys]
    if existing != list(keys):
        raise ValueError(
            f"partitionKeys {list(keys)} must be table {table.database}.{table.name}'s partition "
            f"keys {existing}, in the same order"
        )


def _update_columns(
    catalog: GlueCatalog, table: CatalogTable, frame: DataFrame, keys: Sequence[str]
) -> None:
    columns = columns_of(frame, keys)
    if [(c["Name"], c["Type"]) for c in columns] == table.columns:
        return
    descriptor = {**table.descriptor, "Columns": columns}
    catalog.update_table(
        table.database, {**table_input(table.doc), "StorageDescriptor": descriptor}
    )


def sink_format(table: CatalogTable) -> tuple[str, dict[str, Any]]:
    """The format to write a table's files in, with writer options matching its SerDe."""
    fmt, options = table_format(table)
    if fmt == "csv":
        options = {
            "separator": options["separator"],
            "writeHeader": bool(options.get("withHeader")),
        }
    return fmt, options
