"""Migration 0010 drops job members nested too deeply to be read back, and keeps the rest."""

from __future__ import annotations

import dataclasses
from typing import Any

from alembic import command

from gluerun.store import Stores
from gluerun.store.migrate import alembic_config, upgrade
from gluerun.testing import make_job


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


def test_deep_members_of_stored_jobs_are_dropped(store: Stores) -> None:
    config = alembic_config()
    with store.db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0009")
    extras = {"Deep": nested(100), "Fine": nested(10), "Description": "d"}
    store.runs.create_job(dataclasses.replace(make_job("old"), extras=extras), {})
    store.runs.create_job(make_job("plain"), {})
    upgrade(store.db.engine)
    assert store.runs.get_job("old").extras == {"Fine": nested(10), "Description": "d"}  # type: ignore[union-attr]
    assert store.runs.get_job("plain") == make_job("plain")
