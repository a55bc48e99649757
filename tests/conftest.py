"""Shared fixtures: settings isolation, stores (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from gluerun.clock import FakeClock
from gluerun.store import Stores, open_store
from gluerun.store.tables import metadata

PG_DSN = os.environ.get("GLUERUN_TEST_PG_DSN", "")
IN_CI = bool(os.environ.get("CI"))


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("GLUERUN_") and not key.startswith("GLUERUN_TEST_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "gluerun.db"
    open_store(f"sqlite:///{path}").close()
    return path


@pytest.fixture(scope="session")
def _pg_store() -> Iterator[Stores]:
    if not PG_DSN:
        if IN_CI:
            pytest.fail("CI must set GLUERUN_TEST_PG_DSN: PostgreSQL tests may not skip in CI")
        pytest.skip("GLUERUN_TEST_PG_DSN not set")
    store = open_store(PG_DSN)
    yield store
    store.close()


def _sqlite_store(template: Path, tmp: Path) -> Stores:
    path = tmp / "gluerun.db"
    shutil.copy(template, path)
    return open_store(f"sqlite:///{path}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[Stores]:
    if request.param == "sqlite":
        sqlite = _sqlite_store(sqlite_template, tmp_path)
        yield sqlite
        sqlite.close()
        return
    pg: Stores = request.getfixturevalue("_pg_store")
    with pg.db.engine.begin() as conn:
        tables = ", ".join(t.name for t in metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY"))
    yield pg


@pytest.fixture
def sqlite_store(sqlite_template: Path, tmp_path: Path) -> Iterator[Stores]:
    store = _sqlite_store(sqlite_template, tmp_path)
    yield store
    store.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
