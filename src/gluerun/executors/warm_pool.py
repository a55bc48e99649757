"""A pool of warm Spark drivers: glueetl runs that skip JVM and SparkContext start-up.

A warm driver (_warm_main.py) is a job-interpreter process in its own session whose
SparkContext is already up, started with the environment (and so the ``spark-submit``
options in PYSPARK_SUBMIT_ARGS) of a cold run. A run whose effective configuration -- the
interpreter and its whole environment but HOME, which is the run directory -- equals a warm
driver's is handed to it over the driver's stdin; the driver becomes the run's process (its
pid and start time are the run's handle, its process group is what Timeout and
BatchStopJobRun kill, it records ``exit_code`` like the cold wrapper). One driver serves one
run and is then gone; the pool starts a replacement in the background once that run has
ended, or `REFILL_DEFER` seconds after it began.

The pool keeps warm the configuration most recently launched (one at a time), up to `size`
drivers, never more than the node's parallel-run limit, and only while the machine has
`memory_mb` available; an idle driver is dropped after `idle_seconds` or when it grows beyond
`memory_mb`. A run the pool cannot serve -- no matching driver, or a failed handover -- starts
cold, and the pool never makes a cold launch wait for it.
"""

from __future__ import annotations

import contextlib
import json
import queue
import secrets
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from gluerun.executors import launch_marks
from gluerun.executors._process import KILL_TIMEOUT, ProcessTree, start_time
from gluerun.executors.base import ProcessHandle
from gluerun.executors.class_archive import without_archive
from gluerun.executors.executions import LiveExecution

#: the driver program, run by path by the job interpreter
DRIVER_MAIN = Path(__file__).with_name("_warm_main.py")
#: what a driver's directory holds once its SparkContext is up (tests and operators read it)
READY_MARK = "ready"
DRIVER_LOG = "driver.log"
#: how PySpark is told the spark-submit options of the driver JVM (as in spark.py)
SUBMIT_ARGS_ENV = "PYSPARK_SUBMIT_ARGS"
#: what the driver's own log is called once its directory became the run's
RUN_DRIVER_LOG = "warm-driver.log"
#: how long a driver may take to accept a run before the run starts cold instead
HANDOVER_TIMEOUT = 10.0
#: how often idle drivers are checked (expiry, memory) and the pool refilled
_TICK = 1.0
#: how long a replacement waits for the run that took a driver to end (see `WarmPool._refill`)
REFILL_DEFER = 10.0


def warm_line(pid: int, age: float) -> str:
    """The run's stderr line (after any notes on preparing it) when a warm driver takes it."""
    return f"gluerun: started warm (Spark driver pid {pid}, warm for {age:.1f} s)\n"


#: the same for a cold start (a note: gluerun: is prefixed)
COLD_LINE = "started cold (no warm Spark driver matched this run's configuration)"
#: environment that differs from run to run of one configuration (the run's own)
PER_RUN_ENV = ("HOME", "GLUERUN_RUN_TOKEN")


@dataclass(frozen=True)
class DriverSpec:
    """The effective configuration of a glueetl run: what a warm driver must match."""

    python: str
    #: the job's environment without PER_RUN_ENV and the Spark app name, sorted
    key: tuple[tuple[str, str], ...]
    #: the environment a driver for this configuration starts with (a run's, less PER_RUN_ENV)
    env: tuple[tuple[str, str], ...] = field(compare=False)

    @classmethod
    def of(cls, python: str, env: Mapping[str, str], run_dir: Path) -> DriverSpec | None:
        """The run's spec, or None when its configuration names its own run directory."""
        rest = {key: value for key, value in env.items() if key not in PER_RUN_ENV}
        if any(str(run_dir) in value for value in [python, *rest.values()]):
            return None
        start = tuple(sorted(rest.items()))
        if SUBMIT_ARGS_ENV in rest:
            rest[SUBMIT_ARGS_ENV] = _without_name(rest[SUBMIT_ARGS_ENV])
        return cls(python, tuple(sorted(rest.items())), start)


def _without_name(submit: str) -> str:
    """spark-submit options without ``--name`` (the job's name only labels the application)
    and without the node's class archive (class_archive.py: it only speeds a JVM's start)."""
    words = shlex.split(submit)
    kept: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word == "--name":
            skip = True
        else:
            kept.append(without_archive(word))
    return shlex.join(kept)


class WarmDriver:
    """One pre-started driver process and its protocol channel."""

    def __init__(self, spec: DriverSpec, directory: Path) -> None:
        self.spec = spec
        self.directory = directory
        self.born = time.monotonic()
        self.ready_at: float | None = None
        self._lines: queue.Queue[bytes] = queue.Queue()
        env = {**dict(spec.env), "HOME": str(directory)}
        with (directory / DRIVER_LOG).open("wb") as log:
            self.popen = subprocess.Popen(
                [spec.python, "-u", str(DRIVER_MAIN)],
                cwd=directory,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        started = start_time(self.popen.pid)
        self.started = started if started is not None else 0.0
        self._reader = threading.Thread(target=self._read, name="gluerun-warm-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self._lines.put(line.strip())
            if line.strip() == b"ready":
                self.ready_at = time.monotonic()
                with contextlib.suppress(OSError):
                    (self.directory / READY_MARK).write_text(f"{self.popen.pid}\n")
        self.popen.stdout.close()
        self._lines.put(b"")

    @property
    def ready(self) -> bool:
        return self.ready_at is not None and self.popen.poll() is None

    def memory_mb(self) -> float:
        """Resident memory of the driver and its JVM, in MiB."""
        try:
            root = psutil.Process(self.popen.pid)
            procs = [root, *root.children(recursive=True)]
            return float(sum(p.memory_info().rss for p in procs)) / (1 << 20)
        except psutil.Error:
            return 0.0

    def hand_over(self, request: Mapping[str, object], timeout: float) -> bool:
        """Send the run; True once the driver accepted it (then it is the run's process)."""
        assert self.popen.stdin is not None
        try:
            self.popen.stdin.write(json.dumps(request).encode() + b"\n")
            self.popen.stdin.close()
        except OSError:
            return False
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                return False
            if line == b"accepted":
                return True
            if line == b"":
                return False
        return False

    def discard(self, remove: bool = True) -> None:
        """End the driver's whole process group; remove its directory unless told not to."""
        with contextlib.suppress(Exception):
            ProcessTree(self.popen.pid, self.started).kill(1.0, self.popen.poll)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(KILL_TIMEOUT)
        if self.popen.stdin is not None and not self.popen.stdin.closed:
            with contextlib.suppress(OSError):
                self.popen.stdin.close()
        self._reader.join(KILL_TIMEOUT)  # it closes the driver's end of the channel
        if remove:
            shutil.rmtree(self.directory, ignore_errors=True)

    def become(self, run_dir: Path) -> bool:
        """Make the driver's directory the run directory, with what was staged in it.

        Its processes (the JVM too) keep their working directory across a rename, so they
        end up working in the run directory, as a cold run's do. False (nothing moved, or
        moved back) when the two are not on one file system or a rename fails.
        """
        (self.directory / READY_MARK).unlink(missing_ok=True)
        moved: list[str] = []
        try:
            (self.directory / DRIVER_LOG).rename(self.directory / RUN_DRIVER_LOG)
            for entry in run_dir.iterdir():
                entry.rename(self.directory / entry.name)
                moved.append(entry.name)
            run_dir.rmdir()
            self.directory.rename(run_dir)
        except OSError:
            run_dir.mkdir(parents=True, exist_ok=True)
            for name in moved:
                with contextlib.suppress(OSError):
                    (self.directory / name).rename(run_dir / name)
            return False
        self.directory = run_dir
        return True


class WarmPool:
    """Warm drivers for the configuration most recently launched (see the module docstring)."""

    def __init__(
        self,
        directory: Path,
        size: int = 1,
        memory_mb: int = 2048,
        idle_seconds: float = 600.0,
        max_parallel_runs: int = 16,
        handover_timeout: float = HANDOVER_TIMEOUT,
    ) -> None:
        self._directory = directory
        self._size = max(0, min(size, max_parallel_runs))
        self._memory_mb = memory_mb
        self._idle_seconds = idle_seconds
        self._handover_timeout = handover_timeout
        self._lock = threading.Lock()
        self._drivers: list[WarmDriver] = []
        self._wanted: DriverSpec | None = None
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        #: drivers handed a run, and when: the replacement waits for them (see `_refill`)
        self._serving: list[tuple[subprocess.Popen[bytes], float]] = []

    @property
    def enabled(self) -> bool:
        return self._size > 0

    def launch(
        self,
        spec: DriverSpec | None,
        script: Path,
        argv: Sequence[str],
        run_dir: Path,
        env: Mapping[str, str],
        tail_bytes: int,
    ) -> LiveExecution | None:
        """Hand the run to a matching warm driver; None when it must start cold."""
        if spec is None or not self.enabled:
            return None
        driver = self._take(spec)
        if driver is None:
            return None
        age = time.monotonic() - (driver.ready_at or driver.born)
        request = {
            "run_dir": str(run_dir),
            "script": str(script),
            "argv": list(argv),
            "env": dict(env),
            "preamble": warm_line(driver.popen.pid, age),
        }
        if not driver.become(run_dir):
            driver.discard()
            return None
        if not driver.hand_over(request, self._handover_timeout):
            driver.discard(remove=False)
            _unclaim(run_dir, driver.popen.pid)
            return None
        with self._lock:
            self._serving.append((driver.popen, time.monotonic()))
        handle = ProcessHandle(driver.popen.pid, driver.started, run_dir)
        launch_marks.record_process(run_dir, handle.pid, handle.started)
        return LiveExecution(driver.popen, handle, tail_bytes)

    def _take(self, spec: DriverSpec) -> WarmDriver | None:
        """A ready driver for `spec`, removed from the pool; `spec` becomes the one kept warm."""
        self._ensure_thread()
        with self._lock:
            stale = [d for d in self._drivers if d.spec != spec] if spec != self._wanted else []
            self._wanted = spec
            self._drivers = [d for d in self._drivers if d not in stale]
            found = next((d for d in self._drivers if d.ready), None)
            if found is not None:
                self._drivers.remove(found)
        for driver in stale:
            threading.Thread(target=driver.discard, daemon=True).start()
        return found

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None and not self._closed.is_set():
                # Drivers of an earlier server left on its exit (their stdin closed).
                for stale in self._directory.glob("driver-*"):
                    shutil.rmtree(stale, ignore_errors=True)
                self._thread = threading.Thread(target=self._loop, name="gluerun-warm", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while not self._closed.wait(_TICK):
            for driver in self._expired():
                driver.discard()
            self._refill()

    def _expired(self) -> list[WarmDriver]:
        """Drivers to drop: dead, idle too long, or using more than the memory bound."""
        now = time.monotonic()
        with self._lock:
            gone = [
                d
                for d in self._drivers
                if d.popen.poll() is not None
                or (d.ready_at is not None and now - d.ready_at > self._idle_seconds)
                or d.memory_mb() > self._memory_mb
            ]
            self._drivers = [d for d in self._drivers if d not in gone]
            if any(d.ready_at is not None and now - d.ready_at > self._idle_seconds for d in gone):
                # Idle expiry: nothing asked for this configuration lately; stop keeping it.
                self._wanted = None
        return gone

    def _refill(self) -> None:
        """Start one driver for the wanted configuration when the pool is short of it.

        Not while a run a driver took is still running, for up to `REFILL_DEFER` seconds: a
        driver's start (a JVM, Spark's classes) is seconds of CPU that a short run, the kind
        a warm start is for, would otherwise share its cores with.
        """
        with self._lock:
            spec = self._wanted
            if spec is None or len(self._drivers) >= self._size or self._deferring():
                return
            if psutil.virtual_memory().available < self._memory_mb * (1 << 20):
                return
            directory = self._directory / f"driver-{secrets.token_hex(6)}"
            try:
                directory.mkdir(parents=True, mode=0o700)
                self._drivers.append(WarmDriver(spec, directory))
            except OSError:
                shutil.rmtree(directory, ignore_errors=True)

    def _deferring(self) -> bool:
        """Whether a run handed to a driver less than `REFILL_DEFER` s ago still runs."""
        now = time.monotonic()
        self._serving = [
            (popen, since)
            for popen, since in self._serving
            if popen.poll() is None and now - since < REFILL_DEFER
        ]
        return bool(self._serving)

    def close(self) -> None:
        """Stop refilling and end every idle driver."""
        self._closed.set()
        with self._lock:
            drivers, self._drivers = self._drivers, []
        for driver in drivers:
            driver.discard()

    def idle(self) -> list[WarmDriver]:
        """The drivers now in the pool (ready or starting)."""
        with self._lock:
            return list(self._drivers)


def _unclaim(run_dir: Path, pid: int) -> None:
    """Undo a claim a failed handover left, so the cold launch that follows can claim."""
    mark = run_dir / launch_marks.PID_MARK
    with contextlib.suppress(OSError):
        if mark.read_text().strip() == str(pid):
            mark.unlink()
