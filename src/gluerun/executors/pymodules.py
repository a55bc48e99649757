"""The --additional-python-modules cache: pip installs into ``<cache_dir>/<key>`` once per spec set.

The key is the sha256 of the interpreter, the normalized specs and the installer options.
An install goes to a ``.partial`` directory under an flock, gets a marker file and is renamed
into place, so a directory that exists is complete and runs never see a half install.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gluerun.errors import ExecutorError
from gluerun.executors.base import RunAs
from gluerun.executors.failure import read_tail
from gluerun.executors.scripts import FileFetcher, Location, parse_location

#: written into a target directory once pip succeeded
MARKER = ".gluerun-installed"
#: where a run's pip output goes, inside its run directory
PIP_LOG = "pip.log"
_ERROR_LINES = 3


def parse_specs(value: str) -> list[str]:
    """The comma-separated specs of --additional-python-modules, stripped, empties dropped."""
    return [spec.strip() for spec in value.split(",") if spec.strip()]


def _is_location(spec: str) -> bool:
    return spec.startswith(("s3://", "file://")) or os.path.isabs(spec)


def _key_part(spec: str) -> str:
    """A spec as it counts for the cache key: whitespace-free lowercase requirements; paths
    with their size and mtime so a rebuilt local wheel gets a new key."""
    if not _is_location(spec):
        return "".join(spec.split()).lower()
    location = parse_location(spec, "Python module")
    if location.path is None:
        return spec
    try:
        stat = location.path.stat()
    except OSError:
        return spec
    return f"{spec}@{stat.st_size}:{stat.st_mtime_ns}"


class ModuleCache:
    """Installs pip specs for an interpreter into shared, reusable target directories."""

    def __init__(self, cache_dir: Path, files: FileFetcher, run_as: RunAs | None = None) -> None:
        self._cache_dir = cache_dir
        self._files = files
        #: pip runs as this user (building a package runs its code), in a cache it owns
        self._run_as = run_as

    def key(self, python: str, specs: Sequence[str], options: Sequence[str]) -> str:
        """The cache directory name for installing `specs` for `python` with pip `options`."""
        document = {
            "python": python,
            "specs": sorted({_key_part(spec) for spec in specs}),
            "options": list(options),
        }
        return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()

    def install(
        self,
        python: str,
        specs: Sequence[str],
        options: Sequence[str],
        env: Mapping[str, str],
        run_dir: Path,
    ) -> Path:
        """The directory holding `specs` installed for `python` with pip `options`; installs on
        a miss.

        pip runs with environment `env` in `run_dir`, logging to ``run_dir/pip.log``.

        Raises:
            ExecutorError: a wheel cannot be fetched or pip fails (with pip's last errors).
        """
        key = self.key(python, specs, options)
        target = self._cache_dir / key
        if (target / MARKER).is_file():
            return target
        try:
            self._cache_dir.mkdir(parents=True, exist_ok=True)
            if self._run_as is not None:
                os.chown(self._cache_dir, self._run_as.uid, self._run_as.gid)
            lock = (self._cache_dir / f"{key}.lock").open("a")
        except OSError as exc:
            raise ExecutorError(f"Cannot use the module cache {self._cache_dir}: {exc}") from exc
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if (target / MARKER).is_file():
                return target
            shutil.rmtree(target, ignore_errors=True)
            partial = self._cache_dir / f"{key}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            local_specs = [self._localize(spec, run_dir) for spec in specs]
            self._pip(python, partial, local_specs, options, env, run_dir)
            (partial / MARKER).write_text(
                json.dumps({"specs": list(specs), "options": list(options)}) + "\n"
            )
            partial.replace(target)
        return target

    def _localize(self, spec: str, run_dir: Path) -> str:
        if not _is_location(spec):
            return spec
        location: Location = parse_location(spec, "Python module")
        if location.path is not None:
            if not location.path.is_file():
                raise ExecutorError(f"Python module not found: {spec}")
            return str(location.path)
        return str(self._files.fetch(location, run_dir / "wheels", "Python module"))

    def _pip(
        self,
        python: str,
        target: Path,
        specs: Sequence[str],
        options: Sequence[str],
        env: Mapping[str, str],
        run_dir: Path,
    ) -> None:
        command = [
            python,
            *("-m", "pip", "install", "--target", str(target)),
            *("--disable-pip-version-check", "--no-input"),
            *options,
            *specs,
        ]
        log = run_dir / PIP_LOG
        identity: dict[str, Any] = {}
        if self._run_as is not None:
            self._run_as.hand_over(run_dir)
            identity = {"user": self._run_as.uid, "group": self._run_as.gid, "extra_groups": []}
        try:
            with log.open("wb") as out:
                code = subprocess.call(
                    command,
                    cwd=run_dir,
                    env=dict(env),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    **identity,
                )
        except OSError as exc:
            raise ExecutorError(f"Cannot run pip for --additional-python-modules: {exc}") from exc
        if code != 0:
            shutil.rmtree(target, ignore_errors=True)
            raise ExecutorError(
                f"Installing --additional-python-modules failed (pip exit code {code}): "
                + _pip_errors(log)
            )


def _pip_errors(log: Path) -> str:
    lines = [line.strip() for line in read_tail(log, 16384).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    return "\n".join((errors or lines)[-_ERROR_LINES:]) or "(no output)"
