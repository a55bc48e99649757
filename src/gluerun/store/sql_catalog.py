"""SqlCatalogStore: the CatalogStore on SQLAlchemy Core, sharing the Database's transactions.

Documents are JSON text; partitions are keyed by the sha256 of their values' JSON list, so
lookups by values use one unique index whatever the values' length.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select, update

from gluerun.errors import AlreadyExists, ConcurrentModification, TableNotFound
from gluerun.store.catalog import Doc, StoredPartition
from gluerun.store.tables import (
    catalog_connections,
    catalog_databases,
    catalog_partitions,
    catalog_table_versions,
    catalog_tables,
)

Transaction = Callable[[], AbstractContextManager[Connection]]


def _dump(doc: Doc) -> str:
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS).decode()


def _load(text: str | bytes) -> Any:
    return orjson.loads(text)


def values_key(values: Sequence[str]) -> str:
    return hashlib.sha256(json.dumps(list(values)).encode()).hexdigest()


class SqlCatalogStore:
    """The CatalogStore (see store/catalog.py for the contract of each method)."""

    def __init__(self, read: Transaction, write: Transaction) -> None:
        self._read = read
        self._write = write

    # -- databases ------------------------------------------------------------------------
    def create_database(self, name: str, doc: Doc) -> None:
        try:
            with self._write() as conn:
                conn.execute(catalog_databases.insert().values(name=name, doc=_dump(doc)))
        except AlreadyExists:
            raise AlreadyExists(f"Database already exists: {name}") from None

    def get_database(self, name: str) -> Doc | None:
        query = select(catalog_databases.c.doc).where(catalog_databases.c.name == name)
        with self._read() as conn:
            found = conn.execute(query).scalar()
        return _load(found) if found is not None else None

    def list_databases(self, after: str | None, limit: int) -> list[Doc]:
        query = select(catalog_databases.c.doc).order_by(catalog_databases.c.name).limit(limit)
        if after is not None:
            query = query.where(catalog_databases.c.name > after)
        with self._read() as conn:
            return [_load(doc) for doc in conn.execute(query).scalars()]

    def replace_database(self, name: str, doc: Doc) -> bool:
        with self._write() as conn:
            result = conn.execute(
                update(catalog_databases)
                .where(catalog_databases.c.name == name)
                .values(doc=_dump(doc))
            )
        return result.rowcount == 1

    def delete_database(self, name: str) -> bool:
        with self._write() as conn:
            result = conn.execute(delete(catalog_databases).where(catalog_databases.c.name == name))
            for table, column in (
                (catalog_tables, catalog_tables.c.database_name),
                (catalog_table_versions, catalog_table_versions.c.database_name),
                (catalog_partitions, catalog_partitions.c.database_name),
            ):
                conn.execute(delete(table).where(column == name))
        return result.rowcount == 1

    # -- tables ---------------------------------------------------------------------------
    def create_table(self, database: str, name: str, doc: Doc) -> None:
        text = _dump(doc)
        try:
            with self._write() as conn:
                conn.execute(
                    catalog_tables.insert().values(
                        database_name=database, name=name, version=0, doc=text
                    )
                )
                # versions left behind by a deleted table of the same name start over
                _drop_versions(conn, database, name)
                conn.execute(
                    catalog_table_versions.insert().values(
                        database_name=database, table_name=name, version=0, doc=text
                    )
                )
        except AlreadyExists:
            raise AlreadyExists(f"Table already exists: {name}") from None

    def get_table(self, database: str, name: str) -> tuple[int, Doc] | None:
        query = select(catalog_tables.c.version, catalog_tables.c.doc).where(
            catalog_tables.c.database_name == database, catalog_tables.c.name == name
        )
        with self._read() as conn:
            row = conn.execute(query).first()
        return (row.version, _load(row.doc)) if row else None

    def list_tables(self, database: str, after: str | None, limit: int) -> list[tuple[int, Doc]]:
        query = (
            select(catalog_tables.c.version, catalog_tables.c.doc)
            .where(catalog_tables.c.database_name == database)
            .order_by(catalog_tables.c.name)
            .limit(limit)
        )
        if after is not None:
            query = query.where(catalog_tables.c.name > after)
        with self._read() as conn:
            return [(row.version, _load(row.doc)) for row in conn.execute(query)]

    def update_table(
        self, database: str, name: str, doc: Doc, expected: int | None, archive: bool
    ) -> int:
        where = (catalog_tables.c.database_name == database, catalog_tables.c.name == name)
        with self._write() as conn:
            current = conn.execute(select(catalog_tables.c.version).where(*where)).scalar()
            if current is None:
                raise TableNotFound(name)
            if expected is not None and expected != current:
                raise ConcurrentModification("Update table failed due to concurrent modifications.")
            text, version = _dump(doc), int(current) + 1
            swapped = conn.execute(
                update(catalog_tables)
                .where(*where, catalog_tables.c.version == current)
                .values(version=version, doc=text)
            )
            if swapped.rowcount != 1:
                raise ConcurrentModification("Update table failed due to concurrent modifications.")
            if not archive:
                conn.execute(
                    delete(catalog_table_versions).where(
                        *_version_of(database, name), catalog_table_versions.c.version == current
                    )
                )
            conn.execute(
                catalog_table_versions.insert().values(
                    database_name=database, table_name=name, version=version, doc=text
                )
            )
        return version

    def delete_table(self, database: str, name: str) -> bool:
        with self._write() as conn:
            result = conn.execute(
                delete(catalog_tables).where(
                    catalog_tables.c.database_name == database, catalog_tables.c.name == name
                )
            )
            _drop_versions(conn, database, name)
            conn.execute(
                delete(catalog_partitions).where(
                    catalog_partitions.c.database_name == database,
                    catalog_partitions.c.table_name == name,
                )
            )
        return result.rowcount == 1

    def table_versions(
        self, database: str, name: str, before: int | None, limit: int
    ) -> list[tuple[int, Doc]]:
        query = (
            select(catalog_table_versions.c.version, catalog_table_versions.c.doc)
            .where(*_version_of(database, name))
            .order_by(catalog_table_versions.c.version.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(catalog_table_versions.c.version < before)
        with self._read() as conn:
            return [(row.version, _load(row.doc)) for row in conn.execute(query)]

    def delete_table_version(self, database: str, name: str, version: int) -> bool:
        with self._write() as conn:
            result = conn.execute(
                delete(catalog_table_versions).where(
                    *_version_of(database, name), catalog_table_versions.c.version == version
                )
            )
        return result.rowcount == 1

    # -- partitions -----------------------------------------------------------------------
    def create_partitions(
        self, database: str, table: str, partitions: Sequence[tuple[Sequence[str], Doc]]
    ) -> list[tuple[str, ...]]:
        existing: list[tuple[str, ...]] = []
        with self._write() as conn:
            for values, doc in partitions:
                key = values_key(values)
                if _partition_row(conn, database, table, key) is not None:
                    existing.append(tuple(values))
                    continue
                conn.execute(
                    catalog_partitions.insert().values(
                        database_name=database,
                        table_name=table,
                        values_key=key,
                        doc=_dump(doc),
                        partition_values=orjson.dumps(list(values)).decode(),
                    )
                )
        return existing

    def get_partition(self, database: str, table: str, values: Sequence[str]) -> Doc | None:
        with self._read() as conn:
            row = _partition_row(conn, database, table, values_key(values))
        return _load(row[1]) if row is not None else None

    def list_partitions(
        self,
        database: str,
        table: str,
        after: int | None,
        limit: int,
        segment: tuple[int, int] | None = None,
    ) -> list[StoredPartition]:
        query = (
            select(
                catalog_partitions.c.seq,
                catalog_partitions.c.partition_values,
                catalog_partitions.c.doc,
            )
            .where(
                catalog_partitions.c.database_name == database,
                catalog_partitions.c.table_name == table,
            )
            .order_by(catalog_partitions.c.seq)
            .limit(limit)
        )
        if after is not None:
            query = query.where(catalog_partitions.c.seq > after)
        if segment is not None:
            number, total = segment
            query = query.where(catalog_partitions.c.seq % total == number)
        with self._read() as conn:
            rows = list(conn.execute(query))
        return [StoredPartition(seq, tuple(_load(values)), text) for seq, values, text in rows]

    def replace_partition(self, database: str, table: str, values: Sequence[str], doc: Doc) -> bool:
        with self._write() as conn:
            result = conn.execute(
                update(catalog_partitions)
                .where(*_partition_of(database, table, values_key(values)))
                .values(doc=_dump(doc))
            )
        return result.rowcount == 1

    def delete_partitions(
        self, database: str, table: str, values: Sequence[Sequence[str]]
    ) -> list[tuple[str, ...]]:
        missing: list[tuple[str, ...]] = []
        with self._write() as conn:
            for one in values:
                result = conn.execute(
                    delete(catalog_partitions).where(
                        *_partition_of(database, table, values_key(one))
                    )
                )
                if result.rowcount != 1:
                    missing.append(tuple(one))
        return missing

    # -- connections ----------------------------------------------------------------------
    def create_connection(self, name: str, doc: Doc) -> None:
        try:
            with self._write() as conn:
                conn.execute(catalog_connections.insert().values(name=name, doc=_dump(doc)))
        except AlreadyExists:
            raise AlreadyExists(f"Connection already exists: {name}") from None

    def get_connection(self, name: str) -> Doc | None:
        query = select(catalog_connections.c.doc).where(catalog_connections.c.name == name)
        with self._read() as conn:
            found = conn.execute(query).scalar()
        return _load(found) if found is not None else None

    def list_connections(self, after: str | None, limit: int) -> list[Doc]:
        query = select(catalog_connections.c.doc).order_by(catalog_connections.c.name).limit(limit)
        if after is not None:
            query = query.where(catalog_connections.c.name > after)
        with self._read() as conn:
            return [_load(doc) for doc in conn.execute(query).scalars()]

    def replace_connection(self, name: str, doc: Doc) -> bool:
        with self._write() as conn:
            result = conn.execute(
                update(catalog_connections)
                .where(catalog_connections.c.name == name)
                .values(doc=_dump(doc))
            )
        return result.rowcount == 1

    def delete_connection(self, name: str) -> bool:
        with self._write() as conn:
            result = conn.execute(
                delete(catalog_connections).where(catalog_connections.c.name == name)
            )
        return result.rowcount == 1


def _version_of(database: str, name: str) -> tuple[Any, Any]:
    return (
        catalog_table_versions.c.database_name == database,
        catalog_table_versions.c.table_name == name,
    )


def _drop_versions(conn: Connection, database: str, name: str) -> None:
    conn.execute(delete(catalog_table_versions).where(*_version_of(database, name)))


def _partition_of(database: str, table: str, key: str) -> tuple[Any, Any, Any]:
    return (
        catalog_partitions.c.database_name == database,
        catalog_partitions.c.table_name == table,
        catalog_partitions.c.values_key == key,
    )


def _partition_row(conn: Connection, database: str, table: str, key: str) -> Any:
    query = select(catalog_partitions.c.seq, catalog_partitions.c.doc).where(
        *_partition_of(database, table, key)
    )
    return conn.execute(query).first()
