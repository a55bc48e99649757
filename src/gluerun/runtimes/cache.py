"""Building runtimes once per node: content-addressed, atomic, safe across runs and nodes.

A runtime lives in ``<root>/<name>-<key>/``, a relocatable virtual environment plus
``runtime.json``; the key is a hash of the interpreter's version and the pinned set as
installed, so changing either builds a new one next to the old. A build happens under an
exclusive lock on ``<root>/.locks/<name>-<key>.lock`` (flock: runs of this server, other
servers and ``gluerun runtimes --prepare`` all wait for one build), in ``<root>/.building``,
and is renamed into place when complete: a directory that exists is a whole runtime.
"""

from __future__ import annotations

import ctypes.util
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from gluerun.errors import ExecutorError
from gluerun.runtimes.catalog import RuntimeSpec
from gluerun.runtimes.interpreters import Finder, Interpreter, candidates

#: written last into a runtime directory; also what `gluerun runtimes` lists
MANIFEST = "runtime.json"
#: bump to rebuild every runtime when the way they are built changes
FORMAT = 1
_LOCKS = ".locks"
_BUILDING = ".building"
_NEEDS = "# needs:"
_COMMAND = "command"
_BUILD_CONSTRAINT = "# build-constraint:"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """What a runtime will be on this node: interpreter, requirements, key and directory."""

    spec: RuntimeSpec
    interpreter: Interpreter
    requirements: tuple[str, ...]
    #: pinned lines left out because the node lacks the system library they need
    left_out: tuple[str, ...]
    #: constraints on what builds packages from source (``# build-constraint: X`` lines)
    build_constraints: tuple[str, ...]
    key: str
    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def substituted(self) -> bool:
        """Whether the node lacks the spec's own Python version."""
        return self.interpreter.minor != self.spec.python


def build_constraints(text: str) -> list[str]:
    """The ``# build-constraint: SPEC`` lines of a set: limits on source builds' tools."""
    return [
        line[len(_BUILD_CONSTRAINT) :].strip()
        for line in text.splitlines()
        if line.startswith(_BUILD_CONSTRAINT)
    ]


def requirement_lines(text: str) -> tuple[list[str], list[str]]:
    """The requirement lines of a set the node can install, and those it cannot.

    A line ending in ``# needs: X, Y`` is kept only when the node has all of them: a shared
    library by its short name (``pq``), or a program on PATH (``command pg_config``), for a
    package that is built from source here.
    """
    kept: list[str] = []
    left_out: list[str] = []
    for raw in text.splitlines():
        if raw.startswith(_BUILD_CONSTRAINT):
            continue
        line, _, comment = raw.partition("#")
        line = line.strip()
        if not line:
            continue
        need = ("#" + comment).strip()
        if need.startswith(_NEEDS) and not _node_has(need[len(_NEEDS) :]):
            left_out.append(line)
        else:
            kept.append(line)
    return kept, left_out


def _node_has(needs: str) -> bool:
    """Whether every item of a ``# needs:`` list (libraries, ``command NAME``) is here."""
    for item in (part.strip() for part in needs.split(",")):
        kind, _, name = item.partition(" ")
        if kind == _COMMAND and name.strip():
            if shutil.which(name.strip()) is None:
                return False
        elif item and ctypes.util.find_library(item) is None:
            return False
    return True


class RuntimeCache:
    """The runtimes of one node, under one root directory."""

    def __init__(self, root: Path, pythons: Sequence[str] = ()) -> None:
        """Args:
        root: where runtimes are kept (GLUERUN_RUNTIMES_DIR).
        pythons: interpreters to build with; empty to discover the node's (see interpreters).
        """
        self.root = root.resolve()
        self._pythons = list(pythons)
        self._finder: Finder | None = None
        self._lock = threading.Lock()

    def _find(self, spec: RuntimeSpec) -> Interpreter | None:
        with self._lock:
            if self._finder is None:
                self._finder = Finder(self._pythons or candidates(os.environ))
            return self._finder.choose(spec.python, spec.min_python)

    def plan(self, spec: RuntimeSpec) -> Plan:
        """The runtime `spec` is on this node (nothing is built).

        Raises:
            ExecutorError: the node has no interpreter for it.
        """
        interpreter = self._find(spec)
        if interpreter is None:
            wanted = ".".join(map(str, spec.min_python))
            raise ExecutorError(
                f"No Python interpreter for runtime {spec.name}: it needs Python {wanted} or "
                "later (set GLUERUN_RUNTIME_PYTHONS)"
            )
        kept, left_out = requirement_lines(spec.requirements)
        constraints = build_constraints(spec.requirements)
        document: dict[str, Any] = {
            "format": FORMAT,
            "name": spec.name,
            "python": interpreter.version_text,
            "requirements": kept,
        }
        if constraints:
            document["build_constraints"] = constraints
        digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
        key = digest[:16]
        path = self.root / f"{spec.name}-{key}"
        return Plan(spec, interpreter, tuple(kept), tuple(left_out), tuple(constraints), key, path)

    def ready(self, plan: Plan) -> bool:
        return (plan.path / MANIFEST).is_file()

    def ensure(self, plan: Plan, progress: Progress) -> Path:
        """The runtime's directory; builds it first if this node has none (see module doc).

        Raises:
            ExecutorError: the build failed (with the installer's last lines).
        """
        if self.ready(plan):
            return plan.path
        with self._locked(plan.path.name) as waited:
            if self.ready(plan):
                if waited:
                    progress(f"runtime {plan.spec.name} was built meanwhile by another run.")
                return plan.path
            self._build(plan, progress)
        return plan.path

    @contextmanager
    def _locked(self, name: str, wait: bool = True) -> Iterator[bool]:
        """Hold the build lock of `name`; yields whether another holder had to be waited for.

        With `wait` False, does not wait: yields True when another process or thread holds it
        (and then holds nothing).
        """
        try:
            (self.root / _LOCKS).mkdir(parents=True, exist_ok=True)
            handle = (self.root / _LOCKS / f"{name}.lock").open("a")
        except OSError as exc:
            raise ExecutorError(f"Cannot use the runtimes directory {self.root}: {exc}") from exc
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                waited = False
            except BlockingIOError:
                if wait:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                waited = True
            yield waited

    def _build(self, plan: Plan, progress: Progress) -> None:
        spec = plan.spec
        progress(
            f"building runtime {spec.name} (Python {plan.interpreter.version_text}, "
            f"{len(plan.requirements)} pinned requirements) into {plan.path}; "
            "this happens once per node."
        )
        for line in plan.left_out:
            progress(f"runtime {spec.name}: {line} left out: the node lacks the library it needs.")
        started = time.monotonic()
        staging = self.root / _BUILDING / f"{plan.path.name}.{os.getpid()}.{threading.get_ident()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            staging.parent.mkdir(parents=True, exist_ok=True)
            _uv(
                [
                    "venv",
                    "--quiet",
                    "--seed",
                    "--relocatable",
                    "--python",
                    plan.interpreter.path,
                    str(staging),
                ],
                progress,
            )
            requirements = staging / "gluerun-requirements.txt"
            requirements.write_text("\n".join(plan.requirements) + "\n")
            build = []
            if plan.build_constraints:
                constraints = staging / "gluerun-build-constraints.txt"
                constraints.write_text("\n".join(plan.build_constraints) + "\n")
                build = ["--build-constraints", str(constraints)]
            _uv(
                [
                    "pip",
                    "install",
                    "--python",
                    str(staging / "bin" / "python"),
                    "-r",
                    str(requirements),
                    *build,
                ],
                progress,
            )
            frozen = _uv_output(["pip", "freeze", "--python", str(staging / "bin" / "python")])
            seconds = round(time.monotonic() - started, 1)
            _write_manifest(staging, plan, frozen, seconds)
            staging.replace(plan.path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        progress(f"runtime {spec.name} built in {seconds} s.")

    def installed(self) -> list[dict[str, Any]]:
        """The manifests of the runtimes present, by name."""
        found: list[dict[str, Any]] = []
        if not self.root.is_dir():
            return found
        for manifest in sorted(self.root.glob(f"*/{MANIFEST}")):
            try:
                data = json.loads(manifest.read_text())
            except (OSError, ValueError):
                continue
            data["path"] = str(manifest.parent)
            found.append(data)
        return found

    def clear_staging(self) -> None:
        """Delete what interrupted builds and removals left in ``.building``; a build still in
        progress (its runtime's lock is held, by any process) keeps its directory."""
        staging = self.root / _BUILDING
        if not staging.is_dir():
            return
        for entry in staging.iterdir():
            # <name>-<key>.<pid>.<thread> (a build) or <name>-<key>.removing.<pid>
            with self._locked(entry.name.rsplit(".", 2)[0], wait=False) as busy:
                if not busy:
                    shutil.rmtree(entry, ignore_errors=True)

    def remove(self, path: Path) -> None:
        """Delete one runtime directory under the build lock (runs using it keep their files
        open; new runs build it again)."""
        with self._locked(path.name):
            staging = self.root / _BUILDING / f"{path.name}.removing.{os.getpid()}"
            path.replace(staging)
            shutil.rmtree(staging, ignore_errors=True)


def _write_manifest(target: Path, plan: Plan, frozen: str, seconds: float) -> None:
    manifest = {
        "format": FORMAT,
        "name": plan.spec.name,
        "key": plan.key,
        "summary": plan.spec.summary,
        "python": plan.interpreter.version_text,
        "interpreter": plan.interpreter.path,
        "glue_python": ".".join(map(str, plan.spec.python)),
        "requirements": list(plan.requirements),
        "left_out": list(plan.left_out),
        "installed": [line for line in frozen.splitlines() if line.strip()],
        "build_seconds": seconds,
        "built_at": time.time(),
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")


def _uv_command(args: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
    }
    # Runtimes use the node's interpreters only: uv must never fetch one.
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.setdefault("UV_NO_PROGRESS", "1")
    return [sys.executable, "-m", "uv", *args], env


def _uv(args: Sequence[str], progress: Progress) -> None:
    """Run uv, passing each line it prints to `progress`."""
    command, env = _uv_command(args)
    lines: list[str] = []
    try:
        proc = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    except OSError as exc:
        raise ExecutorError(f"Cannot run uv to build a runtime: {exc}") from exc
    stream: IO[str] | None = proc.stdout
    assert stream is not None
    with stream:
        for line in stream:
            lines.append(line.rstrip())
            progress(line.rstrip())
    if proc.wait() != 0:
        # uv ends with hints; its "error:" and "cause:" lines (and the multiplication-sign
        # marked ones of build failures) say what went wrong.
        marks = ("error", "cause:", "\u00d7")
        errors = [line for line in lines if line.lstrip().startswith(marks)]
        tail = "\n".join((errors or lines)[-3:]) or "(no output)"
        raise ExecutorError(
            f"Building the runtime failed (uv {args[0]} exit code {proc.returncode}): {tail}"
        )


def _uv_output(args: Sequence[str]) -> str:
    command, env = _uv_command(args)
    try:
        return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ExecutorError(f"Cannot list the runtime's packages: {exc}") from exc
