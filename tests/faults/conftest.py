"""Fixtures of the fault tier: a server factory on SQLite or PostgreSQL, and the seeded RNG."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_support import MakeServer, cleanup, seeded_rng
from live_server import Server
from sqlalchemy import create_engine, text

from gluerun.store.database import normalize_url
from gluerun.store.tables import metadata

PG_DSN = os.environ.get("GLUERUN_TEST_PG_DSN", "")


def _empty_pg(dsn: str) -> None:
    """The tier's servers share the test database: start each test from empty tables."""
    engine = create_engine(normalize_url(dsn))
    try:
        with engine.begin() as conn:
            present = set(conn.execute(text("SELECT tablename FROM pg_tables")).scalars())
            tables = [t.name for t in metadata.sorted_tables if t.name in present]
            if tables:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeServer]:
    """Start a live server on this test's store; every server made is cleaned up at the end."""
    env: dict[str, str] = {}
    if request.param == "postgres":
        if not PG_DSN:
            if os.environ.get("CI"):
                pytest.fail("CI must set GLUERUN_TEST_PG_DSN: PostgreSQL tests may not skip in CI")
            pytest.skip("GLUERUN_TEST_PG_DSN not set")
        _empty_pg(PG_DSN)
        env["GLUERUN_DATABASE_URL"] = PG_DSN
    made: list[Server] = []

    def make() -> Server:
        server = Server(tmp_path / "data", env=env)
        server.start()
        made.append(server)
        return server

    yield make
    for server in made:
        cleanup(server)


@pytest.fixture
def rng() -> random.Random:
    """The seeded RNG; the seed is printed (shown with a failure) so it can be replayed."""
    generator, seed = seeded_rng()
    print(f"fault tier seed: GLUERUN_FAULT_SEED={seed}")
    return generator
