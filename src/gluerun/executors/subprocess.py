"""The pythonshell executor: runs a job's script as ``python -u script args`` in its run directory.

The interpreter is the run's runtime (gluerun/runtimes: Glue's libraries for its PythonVersion
and library-set, built on first use), or one fixed interpreter when the server is given one.
The process gets a clean environment with the ``awsglue`` runtime on PYTHONPATH, runs in its
own session (killed as a process group), and writes its exit code to ``run_dir/exit_code``
through a wrapper shell, so a restarted server can still learn how it ended.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gluerun.errors import ExecutorError
from gluerun.executors import launch_marks
from gluerun.executors._process import find_process, start_time
from gluerun.executors.base import ExitStatus, LaunchRequest, ProcessHandle, RunAs
from gluerun.executors.capabilities import Capability, python_capability
from gluerun.executors.executions import (
    EXIT_CODE,
    STDERR_LOG,
    STDOUT_LOG,
    LiveExecution,
    ReattachedExecution,
    make_run_dir,
    note,
)
from gluerun.executors.failure import describe_exit, read_exit_code
from gluerun.executors.pymodules import ModuleCache, parse_specs
from gluerun.executors.scripts import FileFetcher, parse_location
from gluerun.runtimes import catalog
from gluerun.runtimes.cache import Plan, RuntimeCache

log = logging.getLogger(__name__)

EXTRA_PY_DIR = "extra-py"

EXTRA_PY_FILES = "--extra-py-files"
ADDITIONAL_MODULES = "--additional-python-modules"
INSTALLER_OPTION = "--python-modules-installer-option"

_SHELL = "/bin/sh"
#: PATH after the job interpreter's own directory, unless base_env or the run sets PATH
_DEFAULT_PATH = ("/usr/local/bin", "/usr/bin", "/bin")
#: job processes create files as a login shell would (the server itself keeps 077)
_JOB_UMASK = 0o022
#: claims the run directory (launch_marks), runs "$@", then records its status atomically
#: (the shell's cwd is the run directory)
_WRAPPER = '{claim}; "$@"; echo $? > {tmp} && {mv} -f {tmp} {final}'


def _wrapper() -> str:
    return _WRAPPER.format(
        claim=launch_marks.claim_command(),
        tmp=shlex.quote(EXIT_CODE + ".tmp"),
        mv=shlex.quote(shutil.which("mv", path=os.defpath) or "mv"),
        final=shlex.quote(EXIT_CODE),
    )


def _resolve_python(python: str) -> str:
    found = shutil.which(python) if os.sep not in python else python
    if found is None or not os.access(found, os.X_OK):
        raise ExecutorError(f"Python interpreter not found or not executable: {python}")
    return os.path.abspath(found)


class SubprocessExecutor:
    """Runs pythonshell jobs as local subprocesses (see the module docstring)."""

    def __init__(
        self,
        python: str,
        runtime_path: Path,
        cache_dir: Path,
        s3_endpoint_url: str | None = None,
        base_env: Mapping[str, str] | None = None,
        tail_bytes: int = 65536,
        runtimes: RuntimeCache | None = None,
        run_as: RunAs | None = None,
    ) -> None:
        """Set up the executor.

        Args:
            python: the job interpreter (path, or a name looked up on the server's PATH) when
                `runtimes` is None; otherwise only the interpreter gluerun itself runs on.
            runtime_path: the directory holding the ``awsglue`` package; first on PYTHONPATH.
            cache_dir: where --additional-python-modules installs are kept and reused.
            s3_endpoint_url: the S3 endpoint for s3:// script and file locations.
            base_env: environment every job gets on top of the clean defaults.
            tail_bytes: how much of the end of stderr.log is searched for the error.
            runtimes: the node's runtimes; each run gets its own (see gluerun/runtimes).
            run_as: the user job processes and pip installs run as (None: the server's).

        Raises:
            ExecutorError: `python` cannot be found.
        """
        self._python = _resolve_python(python)
        self._runtimes = runtimes
        self._runtime_path = runtime_path.resolve()
        self._base_env = dict(base_env or {})
        self._tail_bytes = tail_bytes
        self._wrapper = _wrapper()
        self._files = FileFetcher(s3_endpoint_url)
        self._cache_dir = cache_dir.resolve()
        self._run_as = run_as
        self._modules = ModuleCache(self._cache_dir, self._files, run_as)

    # -- launching ---------------------------------------------------------------------

    def launch(self, request: LaunchRequest) -> LiveExecution:
        """Fetch the script and extra files, install modules, start the process (see base.py)."""
        run_dir = make_run_dir(request.run_dir)
        script = self._files.fetch(parse_location(request.script_location), run_dir)
        python = self._job_python(request, run_dir)
        pythonpath = [str(self._runtime_path)]
        extra_path: list[str] = []
        extra_files = request.arguments.get(EXTRA_PY_FILES, "")
        if extra_files.strip():
            pythonpath += self._stage_extra_py(extra_files, run_dir)
        site = self._install_modules(request, run_dir, python)
        if site is not None:
            pythonpath.append(str(site))
            if (site / "bin").is_dir():
                extra_path.append(str(site / "bin"))
        env = self._environment(run_dir, pythonpath, extra_path, request.env, python)
        return self._start([python, "-u", str(script), *request.argv], run_dir, env)

    # -- the job's interpreter -------------------------------------------------------------

    def _job_python(self, request: LaunchRequest, run_dir: Path) -> str:
        """The run's interpreter: its runtime's, built first if needed (progress and notes go
        to the run's stderr.log), or the server's fixed interpreter."""
        plan = self._runtime_plan(request, run_dir)
        if plan is None:
            return self._python
        assert self._runtimes is not None
        self._runtimes.ensure(plan, lambda line: note(run_dir, line))
        return str(plan.python)

    def _runtime_plan(self, request: LaunchRequest, run_dir: Path) -> Plan | None:
        """The run's runtime on this node (None without runtimes); notes what differs."""
        if self._runtimes is None:
            return None
        selection = catalog.select(
            request.command_name, request.python_version, request.glue_version, request.arguments
        )
        plan = self._runtimes.plan(selection.spec)
        if selection.note:
            note(run_dir, selection.note)
        if plan.substituted:
            wanted = ".".join(map(str, plan.spec.python))
            note(
                run_dir,
                f"this node has no Python {wanted}: runtime {plan.spec.name} runs on Python "
                f"{plan.interpreter.version_text}, the closest one it has.",
            )
        return plan

    def _install_modules(self, request: LaunchRequest, run_dir: Path, python: str) -> Path | None:
        """The cached directory holding the run's --additional-python-modules, if it has any."""
        specs = parse_specs(request.arguments.get(ADDITIONAL_MODULES, ""))
        if not specs:
            return None
        options = request.arguments.get(INSTALLER_OPTION, "").split()
        pip_env = self._environment(run_dir, [], [], request.env, python)
        pip_env.pop("PYTHONPATH", None)
        pip_env.setdefault("PIP_CACHE_DIR", str(self._cache_dir / "pip-cache"))
        return self._modules.install(python, specs, options, pip_env, run_dir)

    def _start(self, job: list[str], run_dir: Path, env: dict[str, str]) -> LiveExecution:
        """Start `job` (argv) behind the exit-status wrapper shell, logging to run_dir."""
        command = [_SHELL, "-c", self._wrapper, "sh", *job]
        try:
            # stderr.log may already hold gluerun's notes on preparing the run (runtime build).
            if self._run_as is not None:
                # Everything staged for the run becomes the job user's; the logs, opened
                # below by the server, stay the server's and reach the job as open files.
                self._run_as.hand_over(run_dir)
            with (
                (run_dir / STDOUT_LOG).open("wb") as out,
                (run_dir / STDERR_LOG).open("ab") as err,
            ):
                popen = subprocess.Popen(
                    command,
                    cwd=run_dir,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                    umask=_JOB_UMASK,
                    **_identity(self._run_as),
                )
        except OSError as exc:
            raise ExecutorError(f"Cannot start the job process: {exc}") from exc
        started = start_time(popen.pid)
        handle = ProcessHandle(popen.pid, started if started is not None else 0.0, run_dir)
        launch_marks.record_process(run_dir, handle.pid, handle.started)
        return LiveExecution(popen, handle, self._tail_bytes, self._run_as)

    def _stage_extra_py(self, value: str, run_dir: Path) -> list[str]:
        """Copy .py files into run_dir/extra-py; return the PYTHONPATH entries to add."""
        staging = run_dir / EXTRA_PY_DIR
        entries: list[str] = []
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            location = parse_location(item, "Extra Python file")
            if location.name.endswith(".py"):
                self._files.fetch(location, staging, "Extra Python file")
                if str(staging) not in entries:
                    entries.insert(0, str(staging))
            elif location.path is not None:
                if not location.path.exists():
                    raise ExecutorError(f"Extra Python file not found: {item}")
                entries.append(str(location.path))
            else:
                entries.append(str(self._files.fetch(location, staging, "Extra Python file")))
        return entries

    def _environment(
        self,
        run_dir: Path,
        pythonpath: Sequence[str],
        extra_path: Sequence[str],
        request_env: Mapping[str, str],
        python: str | None = None,
    ) -> dict[str, str]:
        """The job's whole environment: clean defaults, then base_env, then the run's env."""
        path_dirs = [*extra_path, os.path.dirname(python or self._python), *_DEFAULT_PATH]
        env = {
            "PATH": os.pathsep.join(dict.fromkeys(path_dirs)),
            "HOME": str(run_dir),
            "LANG": "C.UTF-8",
            "TMPDIR": tempfile.gettempdir(),
            "PYTHONUNBUFFERED": "1",
            # A job sees its runtime, not packages installed for the user running gluerun.
            "PYTHONNOUSERSITE": "1",
        }
        env.update(self._base_env)
        env.update(request_env)
        if extra_path and ("PATH" in self._base_env or "PATH" in request_env):
            env["PATH"] = os.pathsep.join([*extra_path, env["PATH"]])
        paths = [*pythonpath]
        for source in (self._base_env, request_env):
            if source.get("PYTHONPATH"):
                paths.append(source["PYTHONPATH"])
        if paths:
            env["PYTHONPATH"] = os.pathsep.join(paths)
        else:
            env.pop("PYTHONPATH", None)
        return env

    def capability(self) -> Capability:
        """What this executor's jobs run on here (the interpreter's version), or why not."""
        if self._runtimes is not None:
            # What a job that names nothing runs on: the default runtime's interpreter here.
            spec = catalog.select(catalog.PYTHONSHELL, None, None, {}).spec
            try:
                plan = self._runtimes.plan(spec)
            except ExecutorError as exc:
                return Capability("pythonshell", False, str(exc))
            return Capability("pythonshell", True, f"Python {plan.interpreter.version_text}")
        return python_capability(self._python)

    # -- after a restart -----------------------------------------------------------------

    def reattach(self, handle: ProcessHandle) -> ReattachedExecution | None:
        """The execution of `handle` if its wrapper process still runs, else None."""
        if find_process(handle.pid, handle.started) is None:
            return None
        return ReattachedExecution(handle, self._tail_bytes, self._run_as)

    def find_launch(self, run_dir: Path, not_before: float) -> ProcessHandle | None:
        """The process an interrupted launch into `run_dir` started, or None (see base.py)."""
        return launch_marks.find_launch(run_dir.resolve(), not_before)

    def finished_status(self, handle: ProcessHandle) -> ExitStatus | None:
        """The status recorded in ``run_dir/exit_code``, or None when none was recorded."""
        code = read_exit_code(handle.run_dir / EXIT_CODE)
        if code is None:
            return None
        return describe_exit(code, handle.run_dir / STDERR_LOG, self._tail_bytes)


def _identity(run_as: RunAs | None) -> dict[str, Any]:
    """Popen's arguments that switch a child to `run_as` (no supplementary groups)."""
    if run_as is None:
        return {}
    return {"user": run_as.uid, "group": run_as.gid, "extra_groups": []}
