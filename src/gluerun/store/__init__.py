"""Durable state behind narrow roles (roles.py): SQLite by default, PostgreSQL to share.

`open_store` is the one place the roles are assembled: one Database (database.py) shared by
one repository per family (sql_*.py).
"""

from __future__ import annotations

from gluerun.store.base import RunPage, StopOutcome
from gluerun.store.catalog import CatalogStore
from gluerun.store.roles import (
    BookmarkStore,
    Changes,
    EventStore,
    LogStore,
    NodeStore,
    RetentionStore,
    RunStore,
    Stores,
    TriggerStore,
)


def open_store(url: str) -> Stores:
    """Open (and migrate) the database at SQLAlchemy `url` (sqlite:///... or
    postgresql://...) and assemble its roles. Raises StoreError if that fails."""
    from gluerun.store.database import Database
    from gluerun.store.sql_bookmarks import SqlBookmarks
    from gluerun.store.sql_catalog import SqlCatalogStore
    from gluerun.store.sql_events import SqlEvents
    from gluerun.store.sql_logs import SqlLogs
    from gluerun.store.sql_nodes import SqlNodes
    from gluerun.store.sql_retention import SqlRetention
    from gluerun.store.sql_runs import SqlRuns
    from gluerun.store.sql_triggers import SqlTriggers

    db = Database.open(url)
    return Stores(
        runs=SqlRuns(db),
        triggers=SqlTriggers(db),
        logs=SqlLogs(db),
        events=SqlEvents(db),
        bookmarks=SqlBookmarks(db),
        nodes=SqlNodes(db),
        retention=SqlRetention(db),
        catalog=SqlCatalogStore(db.read, db.write),
        db=db,
    )


__all__ = [
    "BookmarkStore",
    "CatalogStore",
    "Changes",
    "EventStore",
    "LogStore",
    "NodeStore",
    "RetentionStore",
    "RunPage",
    "RunStore",
    "StopOutcome",
    "Stores",
    "TriggerStore",
    "open_store",
]
