"""The migration chain produces exactly the schema that store/tables.py declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gluerun.store import Stores, open_store
from gluerun.store.tables import metadata


def test_migrated_schema_matches_the_tables(store: Stores) -> None:
    with store.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_reopening_a_migrated_store_is_a_no_op(store: Stores) -> None:
    open_store(str(store.db.engine.url.render_as_string(hide_password=False))).close()


def test_the_migrations_form_one_chain() -> None:
    """Two revisions on one parent (two branches landing a migration each) fail here first."""
    from alembic.script import ScriptDirectory

    from gluerun.store.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1
