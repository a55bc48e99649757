"""Helpers for the end-to-end tier: a live `gluerun serve` process and polling."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

BIN = Path(sys.executable).parent
#: one cache of the JVM packages glueetl runs fetch (S3A, lake formats) for every server the
#: tests start, so they are downloaded once per machine (or CI run), not once per data dir
SPARK_PACKAGES_DIR = os.environ.get("GLUERUN_SPARK_PACKAGES_DIR") or str(
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gluerun" / "spark-packages"
)
#: one directory of driver JVM class archives (AppCDS) for every server: built once, by the
#: first glueetl run of the test session, rather than by every server's first run
SPARK_CLASS_ARCHIVES = str(Path(SPARK_PACKAGES_DIR).parent / "spark-cds")
#: One runtimes cache for every server of the test session (and later sessions), so each job
#: runtime is built once; read at import as the suite strips GLUERUN_* from each test's env.
RUNTIMES_DIR = Path(
    os.environ.get("GLUERUN_TEST_RUNTIMES_DIR") or Path(__file__).parents[2] / ".test-runtimes"
)
#: the runtime of pythonshell jobs that name no PythonVersion or library-set
DEFAULT_RUNTIME = "pythonshell-3.9-analytics"
_prepared: set[str] = set()


def prepare_runtimes(*names: str) -> None:
    """Build job runtimes before servers need them, so no test waits on a first build."""
    missing = [name for name in names if name not in _prepared]
    if not missing:
        return
    RUNTIMES_DIR.mkdir(parents=True, exist_ok=True)
    with open(RUNTIMES_DIR / "prepare.log", "ab") as log:
        subprocess.run(
            [str(BIN / "gluerun"), "runtimes", "--prepare", *missing],
            env={**os.environ, "GLUERUN_RUNTIMES_DIR": str(RUNTIMES_DIR)},
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
        )
    _prepared.update(missing)


#: how long a server may take to accept connections after its start
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"port {port} never accepted connections")


def listening_inodes(port: int) -> set[str]:
    """Inodes of the TCP sockets listening on `port` (any address), from /proc/net/tcp{,6}."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def socket_inodes(pid: int) -> set[str]:
    """Inodes of the sockets process `pid` holds open."""
    inodes: set[str] = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def wait_until_serving(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait until `proc` itself listens on `port`, not merely until a connection succeeds.

    After kill -9 of a server, a child it had forked for a job launch and that is not yet past
    exec still holds a copy of its listening socket, for as long as the loaded machine takes
    to schedule it: the kernel accepts connections on that copy, then refuses every one once
    the child execs, while the restarted server may still be starting. A connection test
    could return on that copy (EndpointConnectionError on the next call).
    """
    deadline = time.monotonic() + timeout
    while not listening_inodes(port) & socket_inodes(proc.pid):
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"port {port} never served by pid {proc.pid}")
        time.sleep(0.05)


def wait_port_released(port: int, timeout: float) -> None:
    """Wait until no socket listens on `port`, so a server started next can bind it (a copy
    of a killed server's socket lives on in a child of it until that child execs)."""
    deadline = time.monotonic() + timeout
    while listening_inodes(port):
        if time.monotonic() > deadline:
            raise TimeoutError(f"port {port} is still held by another process")
        time.sleep(0.05)


@contextmanager
def moto_s3() -> Iterator[str]:
    """A moto S3 server on a free loopback port, stopped by its pid on exit; yields its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)


def stop_process(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Terminate one process a test started, by its pid, and reap it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Server:
    """A gluerun server process that tests can stop, kill and start again on its data dir."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        prepare_runtimes(DEFAULT_RUNTIME)
        wait_port_released(self.port, START_TIMEOUT)
        env = {
            "GLUERUN_SPARK_PACKAGES_DIR": SPARK_PACKAGES_DIR,
            "GLUERUN_SPARK_CLASS_ARCHIVES": SPARK_CLASS_ARCHIVES,
            "GLUERUN_RUNTIMES_DIR": str(RUNTIMES_DIR),
            **os.environ,
            **self.env,
        }
        self.log = open(self.data_dir.parent / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                str(BIN / "gluerun"),
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        # generous: a restart recovers runs before it serves, and CI's 2 cores may be busy
        wait_until_serving(self.port, self.proc, START_TIMEOUT)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.log.close()
        self.proc = None
        return code

    def shutdown(self) -> None:
        """Stop every active run, then the server; kill any job process left behind.

        A clean server stop leaves runs going (the next start reattaches), so fixtures end
        with this instead: a test that failed mid-run must not leak its job processes.
        """
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                self._stop_active_runs()
        finally:
            self.stop()
            kill_strays(self.data_dir)

    def _stop_active_runs(self) -> None:
        glue = self.client()
        for name in glue.list_jobs(MaxResults=1000)["JobNames"]:
            active = [
                run["Id"]
                for run in glue.get_job_runs(JobName=name, MaxResults=200)["JobRuns"]
                if run["JobRunState"] not in FINAL
            ]
            if active:
                glue.batch_stop_job_run(JobName=name, JobRunIds=active)
                for run_id in active:
                    wait_state(glue, name, run_id, FINAL, timeout=30)

    def client(self, service: str = "glue") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}),
        )


def wait_state(
    glue: Any, job: str, run_id: str, states: set[str], timeout: float = 30.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run: dict[str, Any] = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if run["JobRunState"] in states:
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"{run_id} stayed {run['JobRunState']}")
        time.sleep(0.05)


FINAL = {"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR"}


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def kill_strays(data_dir: Path) -> list[int]:
    """Job processes run with their run directory as cwd: end any that outlived the server."""
    root = str(data_dir.resolve())
    killed = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if cwd.startswith(root):
            try:
                os.kill(int(proc.name), signal.SIGKILL)
                killed.append(int(proc.name))
            except ProcessLookupError:
                pass
    return killed
