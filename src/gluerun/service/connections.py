"""The connection operations of CatalogService: JDBC (and other) connections by name.

JDBC connections carry ``JDBC_CONNECTION_URL`` (or ``HOST``/``PORT``/``JDBC_ENGINE``) and
``USERNAME``/``PASSWORD`` (or ``SECRET_ID``); ``HidePassword`` leaves ``PASSWORD`` and
``ENCRYPTED_PASSWORD`` out of what is returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gluerun.clock import Clock
from gluerun.errors import ConnectionNotFound
from gluerun.model import catalog
from gluerun.model.catalog import Doc
from gluerun.paging import decode_token, encode_token, scan
from gluerun.store.catalog import CatalogStore

#: GetConnections page size when the caller sets none
DEFAULT_CONNECTION_PAGE = 100


class ConnectionService:
    """CreateConnection, GetConnection(s), UpdateConnection, (Batch)DeleteConnection."""

    def __init__(self, catalog: CatalogStore, clock: Clock) -> None:
        self.catalog = catalog
        self.clock = clock

    def create_connection(self, given: Mapping[str, Any]) -> str:
        now = self.clock.now()
        doc = catalog.connection_doc(given, now, now)
        self.catalog.create_connection(doc["Name"], doc)
        return "READY"

    def get_connection(self, name: str, hide_password: bool = False) -> Doc:
        found = self.catalog.get_connection(name)
        if found is None:
            raise ConnectionNotFound(name)
        return catalog.hide_password(found) if hide_password else found

    def get_connections(
        self,
        wanted: Mapping[str, Any] | None,
        hide_password: bool,
        next_token: str | None,
        max_results: int | None,
    ) -> tuple[list[Doc], str | None]:
        rows, after = scan(
            self.catalog.list_connections,
            lambda doc: doc["Name"],
            lambda doc: catalog.connection_matches(doc, wanted),
            decode_token(next_token, "connection"),
            max_results or DEFAULT_CONNECTION_PAGE,
        )
        docs = [catalog.hide_password(doc) if hide_password else doc for doc in rows]
        return docs, encode_token("connection:" + after) if after is not None else None

    def update_connection(self, name: str, given: Mapping[str, Any]) -> None:
        current = self.get_connection(name)
        doc = catalog.connection_doc(given, current["CreationTime"], self.clock.now())
        if doc["Name"] != name:
            # a rename: the new name must be free
            self.catalog.create_connection(doc["Name"], doc)
            self.catalog.delete_connection(name)
            return
        if not self.catalog.replace_connection(name, doc):
            raise ConnectionNotFound(name)

    def delete_connection(self, name: str) -> None:
        if not self.catalog.delete_connection(name):
            raise ConnectionNotFound(name)

    def batch_delete_connection(
        self, names: Sequence[str]
    ) -> tuple[list[str], dict[str, ConnectionNotFound]]:
        deleted: list[str] = []
        errors: dict[str, ConnectionNotFound] = {}
        for name in names:
            if self.catalog.delete_connection(name):
                deleted.append(name)
            else:
                errors[name] = ConnectionNotFound(name)
        return deleted, errors
