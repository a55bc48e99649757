"""Durable state behind one interface (base.Store): SQLite by default, PostgreSQL to share."""

from __future__ import annotations

from gluerun.store.base import RunPage, StopOutcome, Store


def open_store(url: str) -> Store:
    """Open (and migrate) the store at SQLAlchemy `url`: sqlite:///... or postgresql://..."""
    from gluerun.store.sql import SqlStore

    return SqlStore.open(url)


__all__ = ["RunPage", "StopOutcome", "Store", "open_store"]
