"""Durable state behind one interface (base.Store): SQLite by default, PostgreSQL to share."""

from __future__ import annotations

from gluerun.store.base import RunPage, StopOutcome, Store
from gluerun.store.catalog import CatalogStore


def open_store(url: str) -> Store:
    """Open (and migrate) the store at SQLAlchemy `url`: sqlite:///... or postgresql://..."""
    from gluerun.store.sql import SqlStore

    return SqlStore.open(url)


def catalog_store(store: Store) -> CatalogStore:
    """The Data Catalog's store beside the run store `store` (same database)."""
    from gluerun.store.sql import SqlStore

    if not isinstance(store, SqlStore):
        raise TypeError(f"no Data Catalog store for {type(store).__name__}")
    return store.catalog()


__all__ = ["CatalogStore", "RunPage", "StopOutcome", "Store", "catalog_store", "open_store"]
