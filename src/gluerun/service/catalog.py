"""CatalogService: the Data Catalog's databases, tables and table versions over a CatalogStore.

Partitions (partitions.py) and connections (connections.py) are families of their own, which
CatalogService assembles and offers under their Glue names.
Names are folded to lower case on the way in and on lookup (Glue stores them folded; Hive
clients look them up folded). Any CatalogId is accepted: gluerun holds one catalog, the
account's, and returns its id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gluerun.clock import Clock
from gluerun.errors import DatabaseNotFound, InvalidInput, TableNotFound, TableVersionNotFound
from gluerun.model import catalog
from gluerun.model.catalog import BatchError, Doc, fold
from gluerun.paging import decode_token, encode_token, page_size, scan
from gluerun.service.connections import ConnectionService
from gluerun.service.partitions import PartitionService
from gluerun.store.catalog import CatalogStore

#: where a table's document keeps its partition indexes (not a member of Glue's Table)
INDEXES = "_PartitionIndexes"


def _public(version: int, doc: Doc) -> Doc:
    """A stored table as Glue returns it: its VersionId, without gluerun's own members."""
    shown = {key: value for key, value in doc.items() if not key.startswith("_")}
    shown["VersionId"] = str(version)
    return shown


def _version_number(version_id: str) -> int:
    try:
        return int(version_id)
    except ValueError:
        raise InvalidInput(f"VersionId {version_id!r} is not a version number.") from None


class CatalogService:
    """Glue's Data Catalog operations."""

    def __init__(self, store: CatalogStore, clock: Clock, region: str, account_id: str) -> None:
        self.catalog = store
        self.clock = clock
        self.region = region
        self.account_id = account_id
        self.partitions = PartitionService(store, clock, account_id, self.get_table)
        self.connections = ConnectionService(store, clock)
        self._bind_operations()

    def _bind_operations(self) -> None:
        """The partition and connection operations under their Glue names."""
        partitions, connections = self.partitions, self.connections
        self.create_partition = partitions.create_partition
        self.batch_create_partition = partitions.batch_create_partition
        self.get_partition = partitions.get_partition
        self.get_partitions = partitions.get_partitions
        self.batch_get_partition = partitions.batch_get_partition
        self.update_partition = partitions.update_partition
        self.batch_update_partition = partitions.batch_update_partition
        self.delete_partition = partitions.delete_partition
        self.batch_delete_partition = partitions.batch_delete_partition
        self.create_connection = connections.create_connection
        self.get_connection = connections.get_connection
        self.get_connections = connections.get_connections
        self.update_connection = connections.update_connection
        self.delete_connection = connections.delete_connection
        self.batch_delete_connection = connections.batch_delete_connection

    @property
    def caller_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:root"

    def check_exists(self, kind: str, name: str) -> None:
        """Raise EntityNotFound unless the catalog entity of an ARN (``database/<db>``,
        ``table/<db>/<table>``, ``connection/<name>``) exists."""
        if kind == "database":
            self.get_database(name)
        elif kind == "table":
            database, _, table = name.partition("/")
            self.get_table(database, table)
        else:
            self.get_connection(name)

    # -- databases ------------------------------------------------------------------------
    def create_database(self, given: Mapping[str, Any]) -> None:
        doc = catalog.database_doc(given, self.account_id, self.clock.now())
        self.catalog.create_database(doc["Name"], doc)

    def get_database(self, name: str) -> Doc:
        found = self.catalog.get_database(fold(name))
        if found is None:
            raise DatabaseNotFound(name)
        return found

    def get_databases(
        self, next_token: str | None, max_results: int | None
    ) -> tuple[list[Doc], str | None]:
        limit = page_size(max_results)
        found = self.catalog.list_databases(decode_token(next_token, "db"), limit + 1)
        if len(found) > limit:
            return found[:limit], encode_token("db:" + found[limit - 1]["Name"])
        return found, None

    def update_database(self, name: str, given: Mapping[str, Any]) -> None:
        current = self.get_database(name)
        if fold(given["Name"]) != current["Name"]:
            raise InvalidInput(
                f"DatabaseInput.Name {given['Name']!r} differs from Name {name!r}: "
                "databases cannot be renamed."
            )
        doc = catalog.database_doc(given, self.account_id, current["CreateTime"])
        if not self.catalog.replace_database(current["Name"], doc):
            raise DatabaseNotFound(name)

    def delete_database(self, name: str) -> None:
        if not self.catalog.delete_database(fold(name)):
            raise DatabaseNotFound(name)

    # -- tables ---------------------------------------------------------------------------
    def _table_input(self, given: Mapping[str, Any] | None, name: str | None) -> Mapping[str, Any]:
        if not given:
            raise InvalidInput(
                "TableInput is required (gluerun does not create tables from OpenTableFormatInput)."
            )
        if name and fold(name) != fold(given["Name"]):
            raise InvalidInput(f"Name {name!r} differs from TableInput.Name {given['Name']!r}.")
        return given

    def create_table(
        self,
        database: str,
        given: Mapping[str, Any] | None,
        name: str | None = None,
        indexes: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        table_input = self._table_input(given, name)
        db = self.get_database(database)["Name"]
        now = self.clock.now()
        doc = catalog.table_doc(table_input, db, self.account_id, now, now, self.caller_arn)
        if indexes:
            doc[INDEXES] = catalog.partition_indexes(doc, indexes)
        self.catalog.create_table(db, doc["Name"], doc)

    def get_partition_indexes(self, database: str, table: str) -> list[Doc]:
        """The partition indexes given at CreateTable (gluerun keeps them ACTIVE; they are
        descriptive only: every GetPartitions filter is evaluated in full)."""
        current = self._stored_table(database, table)[1]
        return list(current.get(INDEXES, []))

    def _stored_table(self, database: str, name: str) -> tuple[int, Doc]:
        db = self.get_database(database)["Name"]
        found = self.catalog.get_table(db, fold(name))
        if found is None:
            raise TableNotFound(name)
        return found

    def get_table(self, database: str, name: str) -> Doc:
        return _public(*self._stored_table(database, name))

    def get_tables(
        self,
        database: str,
        expression: str | None,
        next_token: str | None,
        max_results: int | None,
    ) -> tuple[list[Doc], str | None]:
        db = self.get_database(database)["Name"]
        matches = catalog.table_name_matcher(expression)
        rows, after = scan(
            lambda cursor, size: self.catalog.list_tables(db, cursor, size),
            lambda row: row[1]["Name"],
            lambda row: matches(row[1]["Name"]),
            decode_token(next_token, "table"),
            page_size(max_results),
        )
        tables = [_public(version, doc) for version, doc in rows]
        return tables, encode_token("table:" + after) if after is not None else None

    def update_table(
        self,
        database: str,
        given: Mapping[str, Any] | None,
        name: str | None = None,
        skip_archive: bool = False,
        version_id: str | None = None,
    ) -> None:
        table_input = self._table_input(given, name)
        stored = self._stored_table(database, table_input["Name"])[1]
        current = _public(0, stored)
        expected = _version_number(version_id) if version_id else None
        doc = catalog.table_doc(
            table_input,
            current["DatabaseName"],
            self.account_id,
            current["CreateTime"],
            self.clock.now(),
            current.get("CreatedBy", self.caller_arn),
        )
        if INDEXES in stored:
            doc[INDEXES] = stored[INDEXES]
        self.catalog.update_table(
            current["DatabaseName"], current["Name"], doc, expected, not skip_archive
        )

    def delete_table(self, database: str, name: str) -> None:
        db = self.get_database(database)["Name"]
        if not self.catalog.delete_table(db, fold(name)):
            raise TableNotFound(name)

    def batch_delete_table(self, database: str, names: Sequence[str]) -> list[BatchError]:
        db = self.get_database(database)["Name"]
        return [
            BatchError(name, TableNotFound(name))
            for name in names
            if not self.catalog.delete_table(db, fold(name))
        ]

    # -- table versions -------------------------------------------------------------------
    def get_table_versions(
        self, database: str, table: str, next_token: str | None, max_results: int | None
    ) -> tuple[list[tuple[str, Doc]], str | None]:
        current = self.get_table(database, table)
        limit = page_size(max_results)
        cursor = decode_token(next_token, "version")
        before = _version_number(cursor) if cursor is not None else None
        found = self.catalog.table_versions(
            current["DatabaseName"], current["Name"], before, limit + 1
        )
        versions = [(str(number), _public(number, doc)) for number, doc in found]
        if len(versions) > limit:
            return versions[:limit], encode_token("version:" + versions[limit - 1][0])
        return versions, None

    def get_table_version(self, database: str, table: str, version_id: str | None) -> Doc:
        current = self.get_table(database, table)
        if not version_id:
            return current
        number = _version_number(version_id)
        found = self.catalog.table_versions(current["DatabaseName"], current["Name"], number + 1, 1)
        if not found or found[0][0] != number:
            raise TableVersionNotFound(table, version_id)
        return _public(number, found[0][1])

    def delete_table_version(self, database: str, table: str, version_id: str) -> None:
        errors = self.batch_delete_table_version(database, table, [version_id])
        if errors:
            raise errors[0].error

    def batch_delete_table_version(
        self, database: str, table: str, version_ids: Sequence[str]
    ) -> list[BatchError]:
        current = self.get_table(database, table)
        errors = []
        for version_id in version_ids:
            number = _version_number(version_id)
            if str(number) == current["VersionId"]:
                errors.append(
                    BatchError(
                        version_id,
                        InvalidInput(
                            f"Version {version_id} is the current version of table {table}; "
                            "only archived versions can be deleted."
                        ),
                    )
                )
            elif not self.catalog.delete_table_version(
                current["DatabaseName"], current["Name"], number
            ):
                errors.append(BatchError(version_id, TableVersionNotFound(table, version_id)))
        return errors
