"""The node's Python interpreters runtimes can be built with, and the choice among them.

By default: every ``python3.N`` on the server's PATH, in the usual system directories and in
pyenv's versions directory, each asked for its version (a pyenv shim that cannot run is not an
interpreter). ``GLUERUN_RUNTIME_PYTHONS`` names them instead.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

Version = tuple[int, int]

_PROBE = "import sys, venv; print('%d.%d.%d' % sys.version_info[:3])"
_PROBE_TIMEOUT = 20.0
#: python3.N names looked for on PATH
_MINORS = range(6, 20)
_SYSTEM_DIRS = ("/usr/local/bin", "/usr/bin")


@dataclass(frozen=True)
class Interpreter:
    """A working interpreter of the node: its path and version."""

    path: str
    version: tuple[int, int, int]

    @property
    def minor(self) -> Version:
        return self.version[0], self.version[1]

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


def candidates(environ: Mapping[str, str]) -> list[str]:
    """Paths that may be interpreters: PATH's python3.N, system dirs, pyenv versions."""
    found: list[str] = []
    search = os.pathsep.join([environ.get("PATH", os.defpath), *_SYSTEM_DIRS])
    for minor in _MINORS:
        path = shutil.which(f"python3.{minor}", path=search)
        if path is not None:
            found.append(path)
    pyenv_root = environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    found += sorted(glob.glob(os.path.join(pyenv_root, "versions", "*", "bin", "python3.*[0-9]")))
    return list(dict.fromkeys(found))


def probe(path: str) -> Interpreter | None:
    """`path` as an Interpreter if it runs and has venv, else None."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    try:
        done = subprocess.run(
            [path, "-I", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = done.stdout.strip().split(".")
    if done.returncode != 0 or len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    major, minor, micro = (int(p) for p in parts)
    return Interpreter(os.path.abspath(path), (major, minor, micro))


def named_minor(path: str) -> Version | None:
    """The version a ``python3.N`` file name promises, if it is one."""
    match = re.fullmatch(r"python(\d+)\.(\d+)", os.path.basename(path))
    return (int(match.group(1)), int(match.group(2))) if match else None


class Finder:
    """Picks interpreters among candidate paths, probing as few as it can (each once)."""

    def __init__(self, paths: Sequence[str]) -> None:
        self._paths = list(dict.fromkeys(paths))
        self._probed: dict[str, Interpreter | None] = {}

    def _probe(self, path: str) -> Interpreter | None:
        if path not in self._probed:
            self._probed[path] = probe(path)
        return self._probed[path]

    def _promised(self, path: str) -> Version | None:
        """The version of `path`: from its name when it has one, else by running it."""
        named = named_minor(path)
        if named is not None:
            return named
        found = self._probe(path)
        return None if found is None else found.minor

    def choose(self, wanted: Version, minimum: Version) -> Interpreter | None:
        """The interpreter for `wanted`: that version if present, else the closest one at or
        above `minimum`; ties go to the newer one (scripts written for one Python more often
        run on a later one than on an earlier one)."""
        by_version: dict[Version, list[str]] = {}
        for path in self._paths:
            version = self._promised(path)
            if version is not None and version >= minimum:
                by_version.setdefault(version, []).append(path)
        for version in sorted(by_version, key=lambda v: (abs(v[1] - wanted[1]), -v[1])):
            for path in by_version[version]:
                found = self._probe(path)
                if found is not None and found.minor == version:
                    return found
        return None

    def all(self) -> list[Interpreter]:
        """Every working interpreter among the candidates, one per minor version."""
        by_minor: dict[Version, Interpreter] = {}
        for path in self._paths:
            found = self._probe(path)
            if found is not None and found.minor not in by_minor:
                by_minor[found.minor] = found
        return sorted(by_minor.values(), key=lambda i: i.version)
