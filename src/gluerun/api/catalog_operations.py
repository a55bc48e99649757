"""The Data Catalog operations gluerun serves: X-Amz-Target name → handler(service, body) → body.

Catalog entities travel in their Glue shapes (see model/catalog.py), so handlers pick the
request members, call the CatalogService method named like the operation, and wrap the
result in the operation's output members.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gluerun.api.errors import error_detail
from gluerun.model.catalog import BatchError
from gluerun.service import GlueService
from gluerun.service.catalog import CatalogService

Body = Mapping[str, Any]
Handler = Callable[[GlueService, Body], dict[str, Any]]


def _page(body: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token:
        body["NextToken"] = token
    return body


def _detail(error: BatchError) -> dict[str, str]:
    return error_detail(error.error)


def _values(items: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    return [list(item["Values"]) for item in items]


# -- databases -----------------------------------------------------------------------------
def create_database(svc: GlueService, body: Body) -> dict[str, Any]:
    svc.data_catalog.create_database(body["DatabaseInput"])
    svc.tag_created("database", body["DatabaseInput"]["Name"].lower(), body.get("Tags"))
    return {}


def get_database(c: CatalogService, body: Body) -> dict[str, Any]:
    return {"Database": c.get_database(body["Name"])}


def _only(docs: list[dict[str, Any]], attributes: Sequence[str] | None) -> list[dict[str, Any]]:
    """AttributesToGet: keep the named members (NAME → Name, TABLE_TYPE → TableType...)."""
    if not attributes:
        return docs
    wanted = {"".join(part.capitalize() for part in a.split("_")) for a in attributes} | {"Name"}
    return [{k: v for k, v in doc.items() if k in wanted} for doc in docs]


def get_databases(c: CatalogService, body: Body) -> dict[str, Any]:
    found, token = c.get_databases(body.get("NextToken"), body.get("MaxResults"))
    return _page({"DatabaseList": _only(found, body.get("AttributesToGet"))}, token)


def update_database(c: CatalogService, body: Body) -> dict[str, Any]:
    c.update_database(body["Name"], body["DatabaseInput"])
    return {}


def delete_database(c: CatalogService, body: Body) -> dict[str, Any]:
    c.delete_database(body["Name"])
    return {}


# -- tables --------------------------------------------------------------------------------
def create_table(c: CatalogService, body: Body) -> dict[str, Any]:
    c.create_table(
        body["DatabaseName"],
        body.get("TableInput"),
        body.get("Name"),
        body.get("PartitionIndexes") or (),
    )
    return {}


def get_partition_indexes(c: CatalogService, body: Body) -> dict[str, Any]:
    found = c.get_partition_indexes(body["DatabaseName"], body["TableName"])
    return {"PartitionIndexDescriptorList": found}


def get_table(c: CatalogService, body: Body) -> dict[str, Any]:
    return {"Table": c.get_table(body["DatabaseName"], body["Name"])}


def get_tables(c: CatalogService, body: Body) -> dict[str, Any]:
    found, token = c.get_tables(
        body["DatabaseName"], body.get("Expression"), body.get("NextToken"), body.get("MaxResults")
    )
    return _page({"TableList": _only(found, body.get("AttributesToGet"))}, token)


def update_table(c: CatalogService, body: Body) -> dict[str, Any]:
    c.update_table(
        body["DatabaseName"],
        body.get("TableInput"),
        body.get("Name"),
        bool(body.get("SkipArchive")),
        body.get("VersionId"),
    )
    return {}


def delete_table(c: CatalogService, body: Body) -> dict[str, Any]:
    c.delete_table(body["DatabaseName"], body["Name"])
    return {}


def batch_delete_table(c: CatalogService, body: Body) -> dict[str, Any]:
    errors = c.batch_delete_table(body["DatabaseName"], body["TablesToDelete"])
    return {"Errors": [{"TableName": e.key, "ErrorDetail": _detail(e)} for e in errors]}


def get_table_versions(c: CatalogService, body: Body) -> dict[str, Any]:
    found, token = c.get_table_versions(
        body["DatabaseName"], body["TableName"], body.get("NextToken"), body.get("MaxResults")
    )
    versions = [{"Table": doc, "VersionId": version} for version, doc in found]
    return _page({"TableVersions": versions}, token)


def get_table_version(c: CatalogService, body: Body) -> dict[str, Any]:
    doc = c.get_table_version(body["DatabaseName"], body["TableName"], body.get("VersionId"))
    return {"TableVersion": {"Table": doc, "VersionId": doc["VersionId"]}}


def delete_table_version(c: CatalogService, body: Body) -> dict[str, Any]:
    c.delete_table_version(body["DatabaseName"], body["TableName"], body["VersionId"])
    return {}


def batch_delete_table_version(c: CatalogService, body: Body) -> dict[str, Any]:
    table = body["TableName"]
    errors = c.batch_delete_table_version(body["DatabaseName"], table, body["VersionIds"])
    return {
        "Errors": [
            {"TableName": table, "VersionId": e.key, "ErrorDetail": _detail(e)} for e in errors
        ]
    }


# -- partitions ----------------------------------------------------------------------------
def create_partition(c: CatalogService, body: Body) -> dict[str, Any]:
    c.create_partition(body["DatabaseName"], body["TableName"], body["PartitionInput"])
    return {}


def batch_create_partition(c: CatalogService, body: Body) -> dict[str, Any]:
    errors = c.batch_create_partition(
        body["DatabaseName"], body["TableName"], body["PartitionInputList"]
    )
    return {"Errors": [{"PartitionValues": e.key, "ErrorDetail": _detail(e)} for e in errors]}


def get_partition(c: CatalogService, body: Body) -> dict[str, Any]:
    found = c.get_partition(body["DatabaseName"], body["TableName"], body["PartitionValues"])
    return {"Partition": found}


def get_partitions(c: CatalogService, body: Body) -> dict[str, Any]:
    found, token = c.get_partitions(
        body["DatabaseName"],
        body["TableName"],
        body.get("Expression"),
        body.get("NextToken"),
        body.get("MaxResults"),
        body.get("Segment"),
        bool(body.get("ExcludeColumnSchema")),
    )
    return _page({"Partitions": found}, token)


def batch_get_partition(c: CatalogService, body: Body) -> dict[str, Any]:
    wanted = _values(body["PartitionsToGet"])
    found = c.batch_get_partition(body["DatabaseName"], body["TableName"], wanted)
    return {"Partitions": found, "UnprocessedKeys": []}


def update_partition(c: CatalogService, body: Body) -> dict[str, Any]:
    c.update_partition(
        body["DatabaseName"], body["TableName"], body["PartitionValueList"], body["PartitionInput"]
    )
    return {}


def batch_update_partition(c: CatalogService, body: Body) -> dict[str, Any]:
    errors = c.batch_update_partition(body["DatabaseName"], body["TableName"], body["Entries"])
    return {"Errors": [{"PartitionValueList": e.key, "ErrorDetail": _detail(e)} for e in errors]}


def delete_partition(c: CatalogService, body: Body) -> dict[str, Any]:
    c.delete_partition(body["DatabaseName"], body["TableName"], body["PartitionValues"])
    return {}


def batch_delete_partition(c: CatalogService, body: Body) -> dict[str, Any]:
    wanted = _values(body["PartitionsToDelete"])
    errors = c.batch_delete_partition(body["DatabaseName"], body["TableName"], wanted)
    return {"Errors": [{"PartitionValues": e.key, "ErrorDetail": _detail(e)} for e in errors]}


# -- connections ---------------------------------------------------------------------------
def create_connection(svc: GlueService, body: Body) -> dict[str, Any]:
    status = svc.data_catalog.create_connection(body["ConnectionInput"])
    svc.tag_created("connection", body["ConnectionInput"]["Name"], body.get("Tags"))
    return {"CreateConnectionStatus": status}


def get_connection(c: CatalogService, body: Body) -> dict[str, Any]:
    return {"Connection": c.get_connection(body["Name"], bool(body.get("HidePassword")))}


def get_connections(c: CatalogService, body: Body) -> dict[str, Any]:
    found, token = c.get_connections(
        body.get("Filter"),
        bool(body.get("HidePassword")),
        body.get("NextToken"),
        body.get("MaxResults"),
    )
    return _page({"ConnectionList": found}, token)


def update_connection(c: CatalogService, body: Body) -> dict[str, Any]:
    c.update_connection(body["Name"], body["ConnectionInput"])
    return {}


def delete_connection(c: CatalogService, body: Body) -> dict[str, Any]:
    c.delete_connection(body["ConnectionName"])
    return {}


def batch_delete_connection(c: CatalogService, body: Body) -> dict[str, Any]:
    deleted, errors = c.batch_delete_connection(body["ConnectionNameList"])
    return {
        "Succeeded": deleted,
        "Errors": {name: error_detail(error) for name, error in errors.items()},
    }


def _on_catalog(handler: Callable[[CatalogService, Body], dict[str, Any]]) -> Handler:
    return lambda svc, body: handler(svc.data_catalog, body)


_HANDLERS: dict[str, Callable[[CatalogService, Body], dict[str, Any]]] = {
    "GetDatabase": get_database,
    "GetDatabases": get_databases,
    "UpdateDatabase": update_database,
    "DeleteDatabase": delete_database,
    "CreateTable": create_table,
    "GetTable": get_table,
    "GetTables": get_tables,
    "UpdateTable": update_table,
    "DeleteTable": delete_table,
    "BatchDeleteTable": batch_delete_table,
    "GetTableVersions": get_table_versions,
    "GetTableVersion": get_table_version,
    "DeleteTableVersion": delete_table_version,
    "BatchDeleteTableVersion": batch_delete_table_version,
    "GetPartitionIndexes": get_partition_indexes,
    "CreatePartition": create_partition,
    "BatchCreatePartition": batch_create_partition,
    "GetPartition": get_partition,
    "GetPartitions": get_partitions,
    "BatchGetPartition": batch_get_partition,
    "UpdatePartition": update_partition,
    "BatchUpdatePartition": batch_update_partition,
    "DeletePartition": delete_partition,
    "BatchDeletePartition": batch_delete_partition,
    "GetConnection": get_connection,
    "GetConnections": get_connections,
    "UpdateConnection": update_connection,
    "DeleteConnection": delete_connection,
    "BatchDeleteConnection": batch_delete_connection,
}

#: Data Catalog operation name → handler, merged into api/operations.GLUE_OPERATIONS.
CATALOG_OPERATIONS: dict[str, Handler] = {
    "CreateDatabase": create_database,
    "CreateConnection": create_connection,
    **{name: _on_catalog(handler) for name, handler in _HANDLERS.items()},
}
