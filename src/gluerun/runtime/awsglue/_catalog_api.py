"""The Data Catalog as a job process sees it: Glue's catalog operations on the gluerun server.

Calls go to ``GLUERUN_ENDPOINT_URL`` (set by the server for every run) with urllib, in Glue's
JSON 1.1 protocol, as the bookmark calls do; the runtime never imports gluerun. Without that
variable there is no catalog, and every call raises saying so.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = ["CatalogError", "GlueCatalog", "catalog"]

ENDPOINT_ENV = "GLUERUN_ENDPOINT_URL"
_TIMEOUT = 60.0
#: BatchCreatePartition takes at most 100 partitions per call
_PARTITION_BATCH = 100


class CatalogError(RuntimeError):
    """A catalog call failed; ``kind`` is Glue's exception name (EntityNotFoundException...)."""

    def __init__(self, operation: str, kind: str, message: str) -> None:
        super().__init__(f"{operation} failed: {kind}: {message}")
        self.kind = kind


class GlueCatalog:
    """The catalog operations the awsglue runtime needs."""

    def __init__(self, endpoint: str | None, catalog_id: str | None = None) -> None:
        self.endpoint = endpoint
        self.catalog_id = catalog_id

    def call(self, operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
        if not self.endpoint:
            raise CatalogError(
                operation,
                "NoCatalog",
                f"no Data Catalog: {ENDPOINT_ENV} is not set (gluerun sets it for job runs)",
            )
        payload = dict(body)
        if self.catalog_id:
            payload.setdefault("CatalogId", self.catalog_id)
        request = urllib.request.Request(
            self.endpoint.rstrip("/") + "/",
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSGlue.{operation}",
                "Authorization": "gluerun-job",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
                answer: dict[str, Any] = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                error = json.loads(exc.read() or b"{}")
            except ValueError:
                error = {}
            kind = str(error.get("__type", exc.code)).rsplit("#", 1)[-1]
            message = error.get("Message") or error.get("message") or str(exc)
            raise CatalogError(operation, kind, message) from None
        return answer

    # -- reads ------------------------------------------------------------------------------
    def get_table(self, database: str, table: str) -> dict[str, Any]:
        answer = self.call("GetTable", {"DatabaseName": database, "Name": table})
        found: dict[str, Any] = answer["Table"]
        return found

    def find_table(self, database: str, table: str) -> dict[str, Any] | None:
        try:
            return self.get_table(database, table)
        except CatalogError as exc:
            if exc.kind == "EntityNotFoundException":
                return None
            raise

    def get_partitions(
        self, database: str, table: str, expression: str = ""
    ) -> Iterator[dict[str, Any]]:
        """Every partition the server's filter `expression` keeps, page by page."""
        body: dict[str, Any] = {"DatabaseName": database, "TableName": table}
        if expression:
            body["Expression"] = expression
        while True:
            answer = self.call("GetPartitions", body)
            yield from answer.get("Partitions", [])
            token = answer.get("NextToken")
            if not token:
                return
            body["NextToken"] = token

    def get_databases(self) -> Iterator[dict[str, Any]]:
        body: dict[str, Any] = {}
        while True:
            answer = self.call("GetDatabases", body)
            yield from answer.get("DatabaseList", [])
            if not answer.get("NextToken"):
                return
            body["NextToken"] = answer["NextToken"]

    def get_tables(self, database: str) -> Iterator[dict[str, Any]]:
        body: dict[str, Any] = {"DatabaseName": database}
        while True:
            answer = self.call("GetTables", body)
            yield from answer.get("TableList", [])
            if not answer.get("NextToken"):
                return
            body["NextToken"] = answer["NextToken"]

    def get_connection(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GetConnection", {"Name": name})["Connection"]
        return found

    # -- writes -----------------------------------------------------------------------------
    def create_database(self, database: Mapping[str, Any]) -> None:
        self.call("CreateDatabase", {"DatabaseInput": dict(database)})

    def create_table(self, database: str, table: Mapping[str, Any]) -> None:
        self.call("CreateTable", {"DatabaseName": database, "TableInput": dict(table)})

    def update_table(self, database: str, table: Mapping[str, Any]) -> None:
        self.call("UpdateTable", {"DatabaseName": database, "TableInput": dict(table)})

    def delete_table(self, database: str, table: str) -> None:
        self.call("DeleteTable", {"DatabaseName": database, "Name": table})

    def add_partitions(
        self, database: str, table: str, partitions: Sequence[Mapping[str, Any]]
    ) -> None:
        """Create the partitions that do not exist yet (existing ones are left as they are)."""
        for start in range(0, len(partitions), _PARTITION_BATCH):
            chunk = [dict(p) for p in partitions[start : start + _PARTITION_BATCH]]
            answer = self.call(
                "BatchCreatePartition",
                {"DatabaseName": database, "TableName": table, "PartitionInputList": chunk},
            )
            failed = [
                error
                for error in answer.get("Errors", [])
                if error["ErrorDetail"]["ErrorCode"] != "AlreadyExistsException"
            ]
            if failed:
                detail = failed[0]["ErrorDetail"]
                raise CatalogError(
                    "BatchCreatePartition", detail["ErrorCode"], detail["ErrorMessage"]
                )


def catalog(catalog_id: str | None = None) -> GlueCatalog:
    """The catalog of this job run's server."""
    return GlueCatalog(os.environ.get(ENDPOINT_ENV) or None, catalog_id or None)


def table_input(table: Mapping[str, Any]) -> dict[str, Any]:
    """The TableInput that recreates `table` (a GetTable answer) in UpdateTable."""
    members = (
        "Name",
        "Description",
        "Owner",
        "LastAccessTime",
        "LastAnalyzedTime",
        "Retention",
        "StorageDescriptor",
        "PartitionKeys",
        "ViewOriginalText",
        "ViewExpandedText",
        "TableType",
        "Parameters",
        "TargetTable",
    )
    return {key: table[key] for key in members if key in table}
