"""Shared pieces of the benchmarks: servers on free ports, a raw Glue JSON client, and the
forked load generator (one keep-alive connection per client process).

Every server is a subprocess stopped by its pid (SIGTERM, then SIGKILL after 10 s); job
processes a gluerun server started are killed by pid too.
"""

from __future__ import annotations

import http.client
import json
import math
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import psutil

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
#: the job runtimes cache the test suite uses too (tests/e2e/live_server.py), built once
RUNTIMES = os.environ.get("GLUERUN_TEST_RUNTIMES_DIR") or str(
    Path(__file__).resolve().parents[1] / ".test-runtimes"
)
RESULTS = ROOT / "bench" / "results"
CONTENT_TYPE = "application/x-amz-json-1.1"
# moto reads the region and access key out of a SigV4-looking header; gluerun accepts anything.
FAKE_AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIABENCHBENCHBENCH/20260101/us-east-1/glue/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-target, Signature=" + "0" * 64
)
TERMINAL_BAD = {"FAILED", "ERROR", "TIMEOUT", "STOPPED", "EXPIRED"}
NCPU = os.cpu_count() or 1


def headers_for(op: str) -> dict[str, str]:
    return {
        "Content-Type": CONTENT_TYPE,
        "X-Amz-Target": f"AWSGlue.{op}",
        "Authorization": FAKE_AUTH,
    }


def enc(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------
# servers
# ------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """A server subprocess on a free loopback port; stop() is safe to call any time."""

    def __init__(
        self, name: str, cmd: list[str], port: int, env: dict[str, str], workdir: Path
    ) -> None:
        self.name, self.cmd, self.port, self.env, self.workdir = name, cmd, port, env, workdir
        self.log_path = workdir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._descendants: dict[int, psutil.Process] = {}

    def start(self, timeout: float = 60.0) -> Server:
        self._log_file = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.cmd,
            env=self.env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.workdir,
        )
        log(f"{self.name}: pid {self.proc.pid}, port {self.port}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(
            f"{self.name} did not accept connections within {timeout} s:\n{self.log_tail()}"
        )

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_bytes()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        """CPU of the server process and its (live) descendants, user+system."""
        if self.proc is None or self.proc.poll() is not None:
            return 0.0
        try:
            p = psutil.Process(self.proc.pid)
            t = p.cpu_times()
            total = t.user + t.system + t.children_user + t.children_system
            for c in p.children(recursive=True):
                self._descendants[c.pid] = c
                try:
                    ct = c.cpu_times()
                    total += ct.user + ct.system
                except psutil.Error:
                    pass
            return total
        except psutil.Error:
            return 0.0

    def stop(self) -> None:
        if self.proc is None:
            return
        pid = self.proc.pid
        try:
            for c in psutil.Process(pid).children(recursive=True):
                self._descendants[c.pid] = c
        except psutil.Error:
            pass
        if self.proc.poll() is None:
            os.kill(pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                log(f"{self.name}: no exit 10 s after SIGTERM; SIGKILL {pid}")
                os.kill(pid, signal.SIGKILL)
                self.proc.wait(10)
        # Job processes the server itself started: end any left over, by pid.
        for c in self._descendants.values():
            try:
                if c.is_running():
                    log(f"{self.name}: descendant {c.pid} still alive; SIGKILL")
                    c.kill()
            except psutil.Error:
                pass
        self._log_file.close()
        log(f"{self.name}: stopped (rc {self.proc.returncode})")
        self.proc = None


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLUERUN_")}
    env.update(extra)
    return env


def gluerun_server(name: str, workdir: Path, engine: bool, database_url: str = "") -> Server:
    """A gluerun server on a free port: engine on or API only, on `database_url` (SQLite in
    its data dir when empty)."""
    port = free_port()
    data = workdir / f"{name}-data"
    cmd = [
        str(VENV_BIN / "gluerun"),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--data-dir",
        str(data),
        "--log-level",
        "warning",
    ]
    env = clean_env(GLUERUN_ENGINE="true" if engine else "false")
    if engine:
        env.update(prepared_runtimes("pythonshell-3.9-analytics"))
    if database_url:
        env["GLUERUN_DATABASE_URL"] = database_url
    return Server(name, cmd, port, env, workdir)


def prepared_runtimes(*names: str) -> dict[str, str]:
    """The environment that points a bench server at the shared runtimes cache, with `names`
    built there first: a runtime's first build is not what a benchmark measures."""
    env = {"GLUERUN_RUNTIMES_DIR": RUNTIMES}
    subprocess.run(
        [str(VENV_BIN / "gluerun"), "runtimes", "--prepare", *names],
        env={**clean_env(), **env},
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return env


def moto_server(workdir: Path) -> Server:
    port = free_port()
    cmd = [str(VENV_BIN / "moto_server"), "-H", HOST, "-p", str(port)]
    return Server("moto", cmd, port, clean_env(), workdir)


# ------------------------------------------------------------------------------------------
# raw HTTP client
# ------------------------------------------------------------------------------------------
class Raw:
    """One keep-alive connection speaking Glue JSON 1.1."""

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.port, self.timeout = port, timeout
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def post(self, op: str, body: bytes) -> tuple[int, bytes]:
        try:
            self.conn.request("POST", "/", body, headers_for(op))
            r = self.conn.getresponse()
            return r.status, r.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            raise

    def call(self, op: str, obj: dict[str, Any]) -> dict[str, Any]:
        status, data = self.post(op, enc(obj))
        if status != 200:
            raise RuntimeError(f"{op} -> HTTP {status}: {data[:500]!r}")
        return json.loads(data) if data.strip() else {}

    def close(self) -> None:
        self.conn.close()


def create_job(port: int, name: str, script: str, max_concurrent: int) -> None:
    raw = Raw(port)
    try:
        raw.call(
            "CreateJob",
            {
                "Name": name,
                "Role": "arn:aws:iam::123456789012:role/bench",
                "Command": {
                    "Name": "pythonshell",
                    "ScriptLocation": script,
                    "PythonVersion": "3.9",
                },
                "MaxCapacity": 0.0625,
                "ExecutionProperty": {"MaxConcurrentRuns": max_concurrent},
            },
        )
    finally:
        raw.close()


# ------------------------------------------------------------------------------------------
# load-generating client processes
# ------------------------------------------------------------------------------------------
def _load_worker(
    port: int,
    op: str,
    bodies: list[bytes],
    seconds: float,
    max_calls: int,
    keep: bool,
    barrier: Any,
    out: Any,
) -> None:
    res: dict[str, Any] = {"calls": 0, "ok": 0, "errors": Counter(), "samples": [], "kept": []}
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.connect()
        headers = headers_for(op)
        nb = len(bodies)
        kept: list[bytes] = res["kept"]
        barrier.wait(60)
        cpu0 = os.times()
        t0 = time.perf_counter()
        end = t0 + seconds
        n = ok = 0
        while n < max_calls:
            if time.perf_counter() >= end:
                break
            body = bodies[n % nb]
            n += 1
            try:
                conn.request("POST", "/", body, headers)
                r = conn.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException) as exc:
                res["errors"][f"exception {type(exc).__name__}"] += 1
                if len(res["samples"]) < 5:
                    res["samples"].append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                continue
            if r.status == 200:
                ok += 1
                if keep:
                    kept.append(data)
            else:
                res["errors"][f"HTTP {r.status}"] += 1
                if len(res["samples"]) < 5:
                    res["samples"].append(f"HTTP {r.status}: {data[:300].decode(errors='replace')}")
        elapsed = time.perf_counter() - t0
        cpu1 = os.times()
        conn.close()
        res.update(
            calls=n,
            ok=ok,
            elapsed=elapsed,
            cpu=(cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
        )
    except Exception:
        res["crash"] = traceback.format_exc()
    res["errors"] = dict(res["errors"])
    out.put(res)


def run_load(
    server: Server,
    op: str,
    per_client_bodies: list[list[bytes]],
    seconds: float,
    max_calls: int | list[int],
    keep: bool = False,
) -> dict[str, Any]:
    """Run len(per_client_bodies) client processes against one op; aggregate their results.

    Each client stops after `seconds` or after its call budget (`max_calls`: one int, or one
    per client).
    """
    ctx = mp.get_context("fork")
    n = len(per_client_bodies)
    caps = max_calls if isinstance(max_calls, list) else [max_calls] * n
    barrier = ctx.Barrier(n + 1)
    out = ctx.Queue()
    procs = [
        ctx.Process(
            target=_load_worker,
            args=(server.port, op, bodies, seconds, cap, keep, barrier, out),
            daemon=True,
        )
        for bodies, cap in zip(per_client_bodies, caps, strict=True)
    ]
    for p in procs:
        p.start()
    results: list[dict[str, Any]] = []
    try:
        barrier.wait(60)
        scpu0, w0 = server.cpu_seconds(), time.perf_counter()
        load0 = os.getloadavg()[0]
        for _ in procs:
            results.append(out.get(timeout=seconds + 120))
        wall = time.perf_counter() - w0
        scpu = server.cpu_seconds() - scpu0
    finally:
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.kill()
                p.join(5)
    crashes = [r["crash"] for r in results if "crash" in r]
    if crashes:
        raise RuntimeError("client process crashed:\n" + crashes[0])
    errors: Counter[str] = Counter()
    samples: list[str] = []
    for r in results:
        errors.update(r["errors"])
        samples.extend(r["samples"])
    calls = sum(r["calls"] for r in results)
    ok = sum(r["ok"] for r in results)
    elapsed = max(r["elapsed"] for r in results)
    client_cpu = sum(r["cpu"] for r in results)
    kept = [d for r in results for d in r["kept"]]
    return {
        "op": op,
        "clients": n,
        "calls": calls,
        "ok": ok,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "error_samples": samples[:5],
        "seconds": round(elapsed, 3),
        "calls_per_s": round(
            sum(r["calls"] / r["elapsed"] for r in results if r["elapsed"] > 0), 1
        ),
        "ok_per_s": round(sum(r["ok"] / r["elapsed"] for r in results if r["elapsed"] > 0), 1),
        "mean_latency_ms": round(1000 * sum(r["elapsed"] for r in results) / max(calls, 1), 3),
        "client_cpu_s": round(client_cpu, 2),
        "client_cpu_pct_of_machine": round(100 * client_cpu / (wall * NCPU), 1),
        "server_cpu_s": round(scpu, 2),
        "server_cpu_pct_of_machine": round(100 * scpu / (wall * NCPU), 1),
        "server_cpu_ms_per_call": round(1000 * scpu / max(calls, 1), 3),
        "load1_at_start": round(load0, 2),
        "_kept": kept,
    }


def start_bodies(job: str, clients: int) -> list[list[bytes]]:
    return [[enc({"JobName": job})] for _ in range(clients)]


def run_ids(kept: list[bytes]) -> list[str]:
    return [json.loads(d)["JobRunId"] for d in kept]


def strip(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if not k.startswith("_")}


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def dig(d: dict[str, Any], *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def fmt(v: Any, unit: str = "") -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        v = f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.3f}".rstrip("0").rstrip(".")
    elif isinstance(v, int):
        v = f"{v:,}"
    return f"{v}{unit}"
