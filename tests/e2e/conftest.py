"""Fixtures of the end-to-end tier: a live `gluerun serve` subprocess per test module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("server") / "data")
    srv.start()
    yield srv
    srv.shutdown()


@pytest.fixture(scope="module")
def glue(server: Server) -> Any:
    return server.client()


@pytest.fixture
def script(tmp_path: Path) -> Callable[[str], str]:
    """Write a job script; returns its absolute path."""

    def write(source: str, name: str = "job.py") -> str:
        path = tmp_path / name
        path.write_text(source)
        return str(path)

    return write
