"""Data Catalog documents: what Glue stores and returns for a database, table, partition or
connection, built from the request's input plus the members the service adds.

Catalog entities stay in their Glue JSON shape (validated against the service model on the
way in): gluerun reads only names, partition keys, versions and a few properties, so
converting every nested member to a dataclass would only copy it. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gluerun.errors import GluerunError, InvalidInput

Doc = dict[str, Any]

#: the Lake Formation default Glue reports on every database (IAM-only access control)
DEFAULT_PERMISSIONS = [
    {"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}
]
#: StorageDescriptor members Glue fills when the input leaves them out (Hive clients read
#: them into primitives, so they must be present)
SD_DEFAULTS: Mapping[str, Any] = {
    "Columns": [],
    "Compressed": False,
    "NumberOfBuckets": 0,
    "BucketColumns": [],
    "SortColumns": [],
    "StoredAsSubDirectories": False,
}
#: connection properties HidePassword leaves out
SECRET_PROPERTIES = frozenset({"PASSWORD", "ENCRYPTED_PASSWORD"})


@dataclass(frozen=True)
class BatchError:
    """One item of a batch operation that failed: its key and why (api/ writes the
    ErrorDetail from the error)."""

    key: Any
    error: GluerunError


def fold(name: str) -> str:
    """Glue folds database and table names to lower case when it stores them (Hive)."""
    return name.lower()


def database_doc(given: Mapping[str, Any], catalog_id: str, created: float) -> Doc:
    doc: Doc = {
        key: value
        for key, value in given.items()
        if key not in ("Name", "CreateTableDefaultPermissions")
    }
    doc.update(
        Name=fold(given["Name"]),
        CreateTime=created,
        CreateTableDefaultPermissions=given.get("CreateTableDefaultPermissions")
        or DEFAULT_PERMISSIONS,
        CatalogId=catalog_id,
    )
    doc.setdefault("Parameters", {})
    return doc


def storage_descriptor(given: Mapping[str, Any] | None) -> Doc:
    return {**SD_DEFAULTS, **(given or {})}


def table_doc(
    given: Mapping[str, Any],
    database: str,
    catalog_id: str,
    created: float,
    updated: float,
    created_by: str,
) -> Doc:
    """A table as GetTable returns it, but for VersionId (the store keeps that)."""
    doc: Doc = dict(given)
    doc.update(
        Name=fold(given["Name"]),
        DatabaseName=database,
        CreateTime=created,
        UpdateTime=updated,
        CreatedBy=created_by,
        IsRegisteredWithLakeFormation=False,
        CatalogId=catalog_id,
        StorageDescriptor=storage_descriptor(given.get("StorageDescriptor")),
    )
    doc.setdefault("Retention", 0)
    doc.setdefault("PartitionKeys", [])
    doc.setdefault("Parameters", {})
    return doc


def partition_keys(table: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, type) of a table's partition keys, in order."""
    return [(key["Name"], key.get("Type") or "string") for key in table.get("PartitionKeys", [])]


def partition_indexes(table: Mapping[str, Any], given: Sequence[Mapping[str, Any]]) -> list[Doc]:
    """PartitionIndexDescriptors for CreateTable's PartitionIndexes. Raises InvalidInput
    when a key is not a partition key, as Glue does."""
    keys = dict(partition_keys(table))
    found = []
    for index in given:
        unknown = [key for key in index["Keys"] if key not in keys]
        if unknown:
            raise InvalidInput(
                f"IndexKeys not a part of PartitionColumns. Verify the indexKeys : {unknown}"
            )
        found.append(
            {
                "IndexName": index["IndexName"],
                "Keys": [{"Name": key, "Type": keys[key]} for key in index["Keys"]],
                "IndexStatus": "ACTIVE",
            }
        )
    return found


def partition_doc(
    given: Mapping[str, Any], table: Mapping[str, Any], catalog_id: str, created: float
) -> Doc:
    """A partition as GetPartition returns it. Raises InvalidInput when its values do not
    match the table's partition keys."""
    values = check_values(given.get("Values"), table)
    doc: Doc = dict(given)
    doc.update(
        Values=values,
        DatabaseName=table["DatabaseName"],
        TableName=table["Name"],
        CreationTime=created,
        CatalogId=catalog_id,
    )
    if "StorageDescriptor" in given:
        doc["StorageDescriptor"] = storage_descriptor(given["StorageDescriptor"])
    doc.setdefault("Parameters", {})
    return doc


def check_values(values: Sequence[str] | None, table: Mapping[str, Any]) -> list[str]:
    keys = partition_keys(table)
    if not values:
        raise InvalidInput("PartitionInput.Values are required: one value per partition key.")
    if len(values) != len(keys):
        raise InvalidInput(
            f"The number of partition keys do not match the number of partition values: "
            f"table {table['Name']} has {len(keys)} partition keys, got {len(values)} values."
        )
    return list(values)


def without_columns(partition: Doc) -> Doc:
    """The partition without its column schema (ExcludeColumnSchema)."""
    descriptor = partition.get("StorageDescriptor")
    if not descriptor or "Columns" not in descriptor:
        return partition
    trimmed = {k: v for k, v in descriptor.items() if k != "Columns"}
    return {**partition, "StorageDescriptor": trimmed}


def connection_doc(given: Mapping[str, Any], created: float, updated: float) -> Doc:
    check_connection(given)
    doc: Doc = dict(given)
    doc.update(
        CreationTime=created, LastUpdatedTime=updated, Status="READY", ConnectionSchemaVersion=1
    )
    doc.setdefault("ConnectionProperties", {})
    return doc


def check_connection(given: Mapping[str, Any]) -> None:
    """The property rules of a JDBC connection (the other types are kept as given)."""
    if given.get("ConnectionType") != "JDBC":
        return
    props = given.get("ConnectionProperties") or {}
    endpoint = "JDBC_CONNECTION_URL" in props or all(
        key in props for key in ("HOST", "PORT", "JDBC_ENGINE")
    )
    if not endpoint:
        raise InvalidInput(
            "A JDBC connection needs JDBC_CONNECTION_URL, or HOST, PORT and JDBC_ENGINE, in "
            "ConnectionProperties."
        )
    if "SECRET_ID" not in props and not ("USERNAME" in props and "PASSWORD" in props):
        raise InvalidInput(
            "A JDBC connection needs USERNAME and PASSWORD, or SECRET_ID, in ConnectionProperties."
        )


def hide_password(connection: Doc) -> Doc:
    props = connection.get("ConnectionProperties") or {}
    kept = {k: v for k, v in props.items() if k not in SECRET_PROPERTIES}
    return {**connection, "ConnectionProperties": kept}


def connection_matches(connection: Mapping[str, Any], wanted: Mapping[str, Any] | None) -> bool:
    """GetConnections' Filter: the type, and every MatchCriteria string, must match."""
    if not wanted:
        return True
    kind = wanted.get("ConnectionType")
    if kind and connection.get("ConnectionType") != kind:
        return False
    criteria = set(connection.get("MatchCriteria") or [])
    return set(wanted.get("MatchCriteria") or []) <= criteria


def table_name_matcher(expression: str | None) -> Callable[[str], bool]:
    """GetTables' Expression: a regular expression over whole table names, where ``*`` not
    after a ``.`` means any sequence (Hive's and Athena's pattern habit); case-insensitive."""
    if not expression or not expression.strip():
        return lambda _name: True
    translated = re.sub(r"(?<!\.)\*", ".*", expression.strip())
    try:
        pattern = re.compile(translated, re.IGNORECASE)
    except re.error as exc:
        raise InvalidInput(f"Expression {expression!r} is not a valid pattern: {exc}.") from None
    return lambda name: pattern.fullmatch(name) is not None
