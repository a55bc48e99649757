"""The CatalogStore interface: the Data Catalog's durable state, apart from the run store.

Databases, tables (with their kept versions), partitions and connections are stored as their
Glue JSON documents; the store indexes what it looks up and orders by (names, VersionId,
partition values) and never interprets the rest. Names arrive already folded as Glue stores
them. Every method is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import orjson

Doc = dict[str, Any]


@dataclass(frozen=True)
class StoredPartition:
    """One partition and its position in its table's listing order. The document is
    decoded on first use (a filtered listing only needs the values of most partitions)."""

    seq: int
    values: tuple[str, ...]
    text: str

    @cached_property
    def doc(self) -> Doc:
        found: Doc = orjson.loads(self.text)
        return found


class CatalogStore(Protocol):
    """Durable Data Catalog entities."""

    # -- databases ------------------------------------------------------------------------
    def create_database(self, name: str, doc: Doc) -> None:
        """Raises AlreadyExists if the name is taken."""
        ...

    def get_database(self, name: str) -> Doc | None: ...

    def list_databases(self, after: str | None, limit: int) -> list[Doc]:
        """Databases by name ascending, after `after`."""
        ...

    def replace_database(self, name: str, doc: Doc) -> bool:
        """Overwrite a database's document; False if it does not exist."""
        ...

    def delete_database(self, name: str) -> bool:
        """Delete a database with its tables, versions and partitions; False if absent."""
        ...

    # -- tables ---------------------------------------------------------------------------
    def create_table(self, database: str, name: str, doc: Doc) -> None:
        """Insert a table as version 0. Raises AlreadyExists if the name is taken."""
        ...

    def get_table(self, database: str, name: str) -> tuple[int, Doc] | None:
        """(current VersionId, document), or None."""
        ...

    def list_tables(self, database: str, after: str | None, limit: int) -> list[tuple[int, Doc]]:
        """Tables of `database` by name ascending, after `after`."""
        ...

    def update_table(
        self, database: str, name: str, doc: Doc, expected: int | None, archive: bool
    ) -> int:
        """Write the table's next version and return its number.

        `expected`: the VersionId the caller read (None: any). `archive` false drops the
        version being replaced from the kept versions. Raises EntityNotFound if the table is
        absent, ConcurrentModification if its version is no longer `expected`.
        """
        ...

    def delete_table(self, database: str, name: str) -> bool:
        """Delete a table with its versions and partitions; False if absent."""
        ...

    def table_versions(
        self, database: str, name: str, before: int | None, limit: int
    ) -> list[tuple[int, Doc]]:
        """Kept versions newest first, below version `before` (None: from the newest)."""
        ...

    def delete_table_version(self, database: str, name: str, version: int) -> bool: ...

    # -- partitions -----------------------------------------------------------------------
    def create_partitions(
        self, database: str, table: str, partitions: Sequence[tuple[Sequence[str], Doc]]
    ) -> list[tuple[str, ...]]:
        """Insert each partition that does not exist yet; return the values that did."""
        ...

    def get_partition(self, database: str, table: str, values: Sequence[str]) -> Doc | None: ...

    def list_partitions(
        self,
        database: str,
        table: str,
        after: int | None,
        limit: int,
        segment: tuple[int, int] | None = None,
    ) -> list[StoredPartition]:
        """Partitions in creation order after position `after`; `segment` (number, total)
        keeps one of `total` disjoint slices."""
        ...

    def replace_partition(
        self, database: str, table: str, values: Sequence[str], doc: Doc
    ) -> bool: ...

    def delete_partitions(
        self, database: str, table: str, values: Sequence[Sequence[str]]
    ) -> list[tuple[str, ...]]:
        """Delete the partitions with these values; return the values that did not exist."""
        ...

    # -- connections ----------------------------------------------------------------------
    def create_connection(self, name: str, doc: Doc) -> None:
        """Raises AlreadyExists if the name is taken."""
        ...

    def get_connection(self, name: str) -> Doc | None: ...

    def list_connections(self, after: str | None, limit: int) -> list[Doc]: ...

    def replace_connection(self, name: str, doc: Doc) -> bool: ...

    def delete_connection(self, name: str) -> bool: ...
