"""Fixtures of the wire-fidelity tier: a live `gluerun serve --enable-reset` per module.

Each test starts from an empty server: the autouse fixture calls the test-suite reset
(`POST /gluerun/reset`), which is itself one of the cases this tier covers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))

from fidelitylib import post
from live_server import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("fidelity") / "data"
    srv = Server(data, env={"GLUERUN_ENABLE_RESET": "true"})
    srv.start()
    yield srv
    srv.shutdown()


@pytest.fixture(scope="module")
def glue(server: Server) -> Any:
    return server.client()


@pytest.fixture(autouse=True)
def _empty_server(server: Server) -> None:
    status, body = post(server.endpoint + "/gluerun/reset")
    assert status == 200, body


@pytest.fixture
def script(tmp_path: Path) -> Callable[..., str]:
    """Write a job script; returns its absolute path."""

    def write(source: str, name: str = "job.py") -> str:
        path = tmp_path / name
        path.write_text(source)
        return str(path)

    return write
