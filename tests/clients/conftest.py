"""Fixtures of the clients tier: real orchestration clients, each in its own virtualenv,
driving a live `gluerun serve`.

Policy (also in docs/clients.md):
- Every test here is marked `clients`; `-m "not clients"` is the fast suite.
- The client virtualenvs are built on first use and cached (see venvs.py). `GLUERUN_CLIENTS=0`
  skips the tier explicitly (the skip reason says so, also in CI). Otherwise the tier runs:
  a failed install skips locally (no PyPI, say) but fails in CI (`CI` set) or with
  `GLUERUN_CLIENTS=1`.
- Capabilities gluerun does not have yet (the CloudWatch Logs API) are probed on the live
  server: locally the dependent tests skip with the reason, in CI they fail.
"""

from __future__ import annotations

import subprocess
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import venvs
from clientlib import (
    IN_CI,
    SWITCH,
    Driver,
    Result,
    Venv,
    require_logs_api,
    start_server,
    stop_server,
)
from live_server import Server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("clients-server"))
    yield srv
    stop_server(srv)


@pytest.fixture
def logs_api(server: Server) -> None:
    """Tests that read run logs through CloudWatch Logs (Logs_20140328.*) need this."""
    require_logs_api(server)


def _venv(name: str) -> Venv:
    if SWITCH == "0":
        pytest.skip("clients tier switched off (GLUERUN_CLIENTS=0)")
    try:
        path = venvs.ensure(name)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
        log = venvs.CACHE_ROOT / f"{venvs.venv_dir(name).name}.log"
        tail = log.read_text()[-2000:] if log.is_file() else ""
        reason = f"could not install the {name} client venv: {err}\n{tail}"
        if IN_CI or SWITCH == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return Venv(name, path)


@pytest.fixture(scope="session")
def airflow_venv() -> Venv:
    return _venv("airflow")


@pytest.fixture(scope="session")
def dagster_venv() -> Venv:
    return _venv("dagster")


@pytest.fixture(scope="session")
def awscli_venv() -> Venv:
    return _venv("awscli")


@pytest.fixture(scope="session")
def pyiceberg_venv() -> Venv:
    return _venv("pyiceberg")


@pytest.fixture
def run_driver(tmp_path: Path) -> Driver:
    """Write a driver script and run it with a client venv's python; return its output."""

    def run(
        venv: Venv,
        source: str,
        env: dict[str, str],
        timeout: float = 300,
        args: Sequence[str] = (),
    ) -> Result:
        path = tmp_path / f"driver_{venv.name}_{time.monotonic_ns()}.py"
        path.write_text(textwrap.dedent(source))
        out = subprocess.run(
            [venv.python, str(path), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = Result(out.returncode, out.stdout, out.stderr)
        print(f"$ {venv.name} {path.name}\n{out.stdout}\n--- stderr\n{out.stderr}")  # on failure
        return result

    return run


@pytest.fixture
def job_script(tmp_path: Path) -> Callable[..., str]:
    """Write a job script (dedented); returns its absolute path."""

    def write(source: str, name: str = "job.py") -> str:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source))
        return str(path)

    return write
