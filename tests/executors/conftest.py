"""Fixtures for the executor tests: a SubprocessExecutor on this interpreter, request builders."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from executor_support import PYTHON, RUNTIME, MakeRequest, WriteScript

from gluerun.executors.base import LaunchRequest
from gluerun.executors.subprocess import SubprocessExecutor


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def executor(cache_dir: Path) -> SubprocessExecutor:
    return SubprocessExecutor(PYTHON, RUNTIME, cache_dir)


@pytest.fixture
def write_script(tmp_path: Path) -> WriteScript:
    """Write a dedented script under tmp_path/scripts and return its path."""

    def write(body: str, name: str = "job.py") -> Path:
        path = tmp_path / "scripts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
        return path

    return write


@pytest.fixture
def make_request(tmp_path: Path) -> MakeRequest:
    """Build a LaunchRequest with a fresh run directory for each call."""
    counter = iter(range(1_000_000))

    def make(
        script_location: str | Path,
        argv: Sequence[str] = (),
        arguments: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> LaunchRequest:
        n = next(counter)
        return LaunchRequest(
            run_id=f"jr_{n}",
            job_name="job",
            command_name="pythonshell",
            script_location=str(script_location),
            python_version="3.9",
            argv=list(argv),
            arguments=dict(arguments or {}),
            run_dir=tmp_path / "runs" / f"jr_{n}",
            env=dict(env or {}),
        )

    return make
