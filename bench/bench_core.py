#!/usr/bin/env python
"""Core benchmark: gluerun next to moto under the same client load.

One command, three phases per system (see bench/README.md):

1. latency   trivial pythonshell run (print("hi")), StartJobRun -> poll GetJobRun every 5 ms
             until SUCCEEDED; p50/p95/max over --runs runs (plus one un-counted warm-up run).
2. throughput  StartJobRun/s and GetJobRun/s from --clients processes, each a keep-alive
             http.client connection with pre-built JSON bodies, for --seconds each.
3. paging    all runs of a 10,000-run job with boto3's get_job_runs paginator (PageSize 200)
             and with raw http.client (median of 3).

gluerun: phase 1 on an engine-on server, phases 2-3 on an API-only server (GLUERUN_ENGINE=false),
each with its own temp data dir. moto: one `moto_server` for everything.
Every server is stopped by its pid in a finally block (SIGTERM, SIGKILL after 10 s).

    .venv/bin/python bench/bench_core.py [--only gluerun|moto] [--runs 50] [--clients 4]
                                         [--seconds 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
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


def gluerun_server(name: str, workdir: Path, engine: bool) -> Server:
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


# ------------------------------------------------------------------------------------------
# phase 1: trivial run end to end
# ------------------------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def one_run(raw: Raw, job: str, timeout: float, poll: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    run_id = raw.call("StartJobRun", {"JobName": job})["JobRunId"]
    t_started = time.perf_counter()
    body = enc({"JobName": job, "RunId": run_id})
    seen: dict[str, float] = {}
    polls = 0
    deadline = t0 + timeout
    max_polls = int(timeout / poll) + 1000
    while polls < max_polls:
        run = raw.call("GetJobRun", json.loads(body))["JobRun"]
        polls += 1
        now = time.perf_counter()
        state = run.get("JobRunState")
        seen.setdefault(state, round(1000 * (now - t0), 2))
        if state == "SUCCEEDED":
            return {
                "id": run_id,
                "ms": round(1000 * (now - t0), 2),
                "start_call_ms": round(1000 * (t_started - t0), 2),
                "polls": polls,
                "first_seen_ms": seen,
            }
        if state in TERMINAL_BAD:
            raise RuntimeError(f"run {run_id} ended {state}: {run.get('ErrorMessage')!r}")
        if now > deadline:
            break
        time.sleep(poll)
    raise RuntimeError(
        f"run {run_id} not SUCCEEDED after {timeout} s / {polls} polls (states seen: {seen})"
    )


def phase_latency(server: Server, workdir: Path, runs: int, timeout: float) -> dict[str, Any]:
    script = workdir / "hi.py"
    script.write_text('print("hi")\n')
    job = "bench-trivial"
    create_job(server.port, job, str(script), 1)
    raw = Raw(server.port)
    try:
        warm = one_run(raw, job, timeout, 0.005)
        samples = []
        t_end = time.monotonic() + max(600.0, runs * timeout)
        for _ in range(runs):
            samples.append(one_run(raw, job, timeout, 0.005))
            if time.monotonic() > t_end:
                break
    finally:
        raw.close()
    ms = [s["ms"] for s in samples]
    return {
        "runs": len(ms),
        "warmup_ms": warm["ms"],
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(pct(ms, 95), 1),
        "max_ms": round(max(ms), 1),
        "min_ms": round(min(ms), 1),
        "start_call_p50_ms": round(statistics.median(s["start_call_ms"] for s in samples), 2),
        "polls_p50": statistics.median(s["polls"] for s in samples),
        "samples": samples,
    }


# ------------------------------------------------------------------------------------------
# phase 3: paging
# ------------------------------------------------------------------------------------------
def boto_client(port: int) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "glue",
        endpoint_url=f"http://{HOST}:{port}",
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(retries={"max_attempts": 1}, read_timeout=120),
    )


def page_boto(client: Any, job: str, expect: int) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    n = 0
    ids = set()
    paginator = client.get_paginator("get_job_runs")
    for pages, page in enumerate(
        paginator.paginate(JobName=job, PaginationConfig={"PageSize": 200}), 1
    ):
        for r in page["JobRuns"]:
            ids.add(r["Id"])
        n += len(page["JobRuns"])
        if pages > expect // 200 + 50:
            raise RuntimeError("paginator did not end")
    return time.perf_counter() - t0, n, len(ids)


def page_raw(
    port: int, job: str, expect: int, keep: list[dict[str, Any]] | None = None
) -> dict[str, float]:
    raw = Raw(port, timeout=120)
    t_net = t_parse = 0.0
    n = pages = 0
    token = None
    t0 = time.perf_counter()
    try:
        while pages <= expect // 200 + 50:
            req = {"JobName": job, "MaxResults": 200}
            if token:
                req["NextToken"] = token
            a = time.perf_counter()
            status, data = raw.post("GetJobRuns", enc(req))
            b = time.perf_counter()
            if status != 200:
                raise RuntimeError(f"GetJobRuns -> HTTP {status}: {data[:300]!r}")
            doc = json.loads(data)
            c = time.perf_counter()
            t_net += b - a
            t_parse += c - b
            pages += 1
            n += len(doc["JobRuns"])
            if keep is not None:
                keep.append(doc)
            token = doc.get("NextToken")
            if not token:
                break
    finally:
        raw.close()
    return {
        "s": time.perf_counter() - t0,
        "request_response_s": t_net,
        "json_parse_s": t_parse,
        "pages": pages,
        "runs": n,
    }


def _stub_server(pages: list[bytes], port: int, ready: Any) -> None:
    """Serves canned GetJobRuns pages (NextToken "p<i>" -> page i), HTTP/1.1 keep-alive."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            token = json.loads(body or b"{}").get("NextToken") or "p0"
            data = pages[int(token[1:])]
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a: Any) -> None:
            pass

    httpd = ThreadingHTTPServer((HOST, port), Handler)
    ready.set()
    httpd.serve_forever()


def boto_paging_floor(docs: list[dict[str, Any]], reps: int = 3) -> dict[str, Any]:
    """boto3's paginator over the same pages, served canned by a trivial stub: client cost only."""
    pages = []
    for i, doc in enumerate(docs):
        d = dict(doc)
        d.pop("NextToken", None)
        if i + 1 < len(docs):
            d["NextToken"] = f"p{i + 1}"
        pages.append(enc(d))
    ctx = mp.get_context("fork")
    ready = ctx.Event()
    port = free_port()
    proc = ctx.Process(target=_stub_server, args=(pages, port, ready), daemon=True)
    proc.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("stub server did not start")
        client = boto_client(port)
        expect = sum(len(d["JobRuns"]) for d in docs)
        page_boto(client, "stub", expect)  # warm: model load, connection
        times = [page_boto(client, "stub", expect)[0] for _ in range(reps)]
        t_raw = []
        for _ in range(reps):
            t_raw.append(page_raw(port, "stub", expect)["s"])
    finally:
        proc.terminate()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
    return {
        "boto3_s": round(statistics.median(times), 3),
        "raw_s": round(statistics.median(t_raw), 3),
        "pages": len(pages),
        "bytes": sum(len(p) for p in pages),
    }


def phase_paging(server: Server, job: str, expect: int, reps: int = 3) -> dict[str, Any]:
    client = boto_client(server.port)
    client.get_job(JobName=job)  # load botocore's model and open the connection first
    boto = []
    for _ in range(reps):
        s, n, uniq = page_boto(client, job, expect)
        boto.append({"s": s, "runs": n, "unique": uniq})
    docs: list[dict[str, Any]] = []
    raw = [page_raw(server.port, job, expect, keep=docs if i == 0 else None) for i in range(reps)]
    floor = boto_paging_floor(docs)
    med = statistics.median
    return {
        "client_floor_boto3_s": floor["boto3_s"],
        "client_floor_raw_s": floor["raw_s"],
        "response_bytes": floor["bytes"],
        "stored_runs": expect,
        "boto3_s": round(med(b["s"] for b in boto), 3),
        "boto3_all_s": [round(b["s"], 3) for b in boto],
        "boto3_runs_seen": boto[0]["runs"],
        "boto3_unique_ids": boto[0]["unique"],
        "raw_s": round(med(r["s"] for r in raw), 3),
        "raw_all_s": [round(r["s"], 3) for r in raw],
        "raw_request_response_s": round(med(r["request_response_s"] for r in raw), 3),
        "raw_json_parse_s": round(med(r["json_parse_s"] for r in raw), 3),
        "raw_pages": raw[0]["pages"],
        "raw_runs_seen": raw[0]["runs"],
    }


# ------------------------------------------------------------------------------------------
# phase 2 (+ the 10,000-run fill that phase 3 needs)
# ------------------------------------------------------------------------------------------
def phase_throughput_and_paging(
    server: Server, args: argparse.Namespace, out: dict[str, Any]
) -> None:
    job = "bench-load"
    create_job(server.port, job, "/nonexistent/bench_load.py", 100000)
    clients = args.clients

    # Fill: exactly args.fill runs, count-bounded (and time-bounded), from `clients` processes.
    ids: list[str] = []
    fill_s = 0.0
    fill_calls = 0
    fill_res = None
    t0 = time.monotonic()
    # Normally one round; a second tops up if a client was cut short without HTTP errors.
    for _attempt in range(3):
        need = args.fill - len(ids)
        if need <= 0:
            break
        remaining_time = args.fill_timeout - (time.monotonic() - t0)
        if remaining_time <= 1:
            break
        each = [need // clients + (1 if i < need % clients else 0) for i in range(clients)]
        log(f"{server.name}: filling {need} runs with {clients} clients (≤ {remaining_time:.0f} s)")
        res = run_load(
            server, "StartJobRun", start_bodies(job, clients), remaining_time, each, keep=True
        )
        ids.extend(run_ids(res.pop("_kept")))
        fill_s += res["seconds"]
        fill_calls += res["calls"]
        fill_res = fill_res or res
        if res["errors"]:
            log(f"{server.name}: fill errors {res['error_kinds']} e.g. {res['error_samples'][:2]}")
            break
    out["fill"] = {
        "runs": len(ids),
        "target": args.fill,
        "seconds": round(fill_s, 2),
        "start_job_run_per_s": round(fill_calls / fill_s, 1) if fill_s else None,
        "first_round": strip(fill_res) if fill_res else None,
    }
    log(f"{server.name}: fill {len(ids)} runs in {fill_s:.1f} s")

    # Paging: all runs of the job (exactly args.fill unless the fill was cut short).
    log(f"{server.name}: paging")
    try:
        out["paging"] = phase_paging(server, job, len(ids))
    except Exception as exc:
        out["paging"] = {"error": f"{type(exc).__name__}: {exc}"}

    # GetJobRun on random ids among the stored runs.
    log(f"{server.name}: GetJobRun for {args.seconds} s")
    bodies = []
    for i in range(clients):
        rng = random.Random(1000 + i)
        sample = [rng.choice(ids) for _ in range(min(20000, max(len(ids), 1)))]
        bodies.append([enc({"JobName": job, "RunId": rid}) for rid in sample])
    res = run_load(server, "GetJobRun", bodies, args.seconds, 10**9)
    res.pop("_kept")
    res["stored_runs"] = len(ids)
    out["get_job_run"] = res

    # StartJobRun, timed, with the 10,000+ runs already stored.
    log(f"{server.name}: StartJobRun for {args.seconds} s")
    res = run_load(server, "StartJobRun", start_bodies(job, clients), args.seconds, 10**9)
    res.pop("_kept")
    res["stored_runs_before"] = len(ids)
    out["start_job_run"] = res


# ------------------------------------------------------------------------------------------
# per system
# ------------------------------------------------------------------------------------------
def bench_gluerun(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"system": "gluerun", "load1_start": os.getloadavg()[0]}
    if not args.skip_latency:
        srv = gluerun_server("gluerun-engine", workdir, engine=True)
        try:
            srv.start()
            log("gluerun (engine on): latency phase")
            out["latency"] = phase_latency(srv, workdir, args.runs, args.run_timeout)
        except Exception as exc:
            out["latency"] = {"error": f"{type(exc).__name__}: {exc}"}
            log(
                f"gluerun latency phase failed: {exc}\n--- server log tail ---\n"
                f"{srv.log_tail(1500)}"
            )
        finally:
            srv.stop()
    srv = gluerun_server("gluerun-api", workdir, engine=False)
    try:
        srv.start()
        phase_throughput_and_paging(srv, args, out)
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        log(
            f"gluerun API phases failed: {traceback.format_exc()}\n--- server log tail ---\n"
            f"{srv.log_tail(1500)}"
        )
    finally:
        srv.stop()
    return out


def bench_moto(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"system": "moto", "load1_start": os.getloadavg()[0]}
    srv = moto_server(workdir)
    try:
        srv.start()
        if not args.skip_latency:
            log("moto: latency phase (moto executes nothing; its state manager flips the state)")
            try:
                out["latency"] = phase_latency(srv, workdir, args.runs, args.run_timeout)
            except Exception as exc:
                out["latency"] = {"error": f"{type(exc).__name__}: {exc}"}
        phase_throughput_and_paging(srv, args, out)
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        log(
            f"moto phases failed: {traceback.format_exc()}\n--- server log tail ---\n"
            f"{srv.log_tail(1500)}"
        )
    finally:
        srv.stop()
    return out


# ------------------------------------------------------------------------------------------
# report
# ------------------------------------------------------------------------------------------
def _get(d: dict[str, Any], *path: str) -> Any:
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


def table(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> str:  # noqa: C901
    systems = list(results)
    rows: list[tuple[str, list[str], str]] = []

    def row(label: str, path: tuple[str, ...], unit: str = "", target: str = "") -> None:
        rows.append((label, [fmt(_get(results[s], *path), unit) for s in systems], target))

    def lat(label: str, key: str, target: str = "") -> None:
        cells = []
        for s in systems:
            err = _get(results[s], "latency", "error")
            cells.append(
                ("ERROR (see notes)" if key == "p50_ms" else "-")
                if err
                else fmt(_get(results[s], "latency", key), " ms")
            )
        rows.append((label, cells, target))

    def load_row(label: str, key: str, target: str = "") -> None:
        cells = []
        for s in systems:
            r = _get(results[s], key)
            cells.append("-" if not r else f"{r['calls_per_s']:,.0f}/s ({r['errors']} err)")
        rows.append((label, cells, target))

    lat(f"1. trivial run e2e p50 ({args.runs} runs)", "p50_ms", "< 1000 ms")
    lat("   p95", "p95_ms")
    lat("   max", "max_ms")
    lat("   warm-up run (not counted)", "warmup_ms")
    lat("   StartJobRun call p50", "start_call_p50_ms")
    load_row(
        f"2. GetJobRun/s, {args.clients} clients, {args.fill:,} runs", "get_job_run", ">= 3,000/s"
    )
    row("   client CPU % of machine", ("get_job_run", "client_cpu_pct_of_machine"), " %")
    row("   server CPU % of machine", ("get_job_run", "server_cpu_pct_of_machine"), " %")
    row("   server CPU per call", ("get_job_run", "server_cpu_ms_per_call"), " ms")
    row("   mean call latency", ("get_job_run", "mean_latency_ms"), " ms")
    load_row(
        f"   StartJobRun/s, {args.clients} clients, {args.fill:,}+ stored",
        "start_job_run",
        ">= 1,000/s",
    )
    row("   client CPU % of machine", ("start_job_run", "client_cpu_pct_of_machine"), " %")
    row("   server CPU % of machine", ("start_job_run", "server_cpu_pct_of_machine"), " %")
    row("   server CPU per call", ("start_job_run", "server_cpu_ms_per_call"), " ms")
    row("   mean call latency", ("start_job_run", "mean_latency_ms"), " ms")
    row(f"   fill 0->{args.fill:,} StartJobRun/s (avg)", ("fill", "start_job_run_per_s"), "/s")
    row(
        f"3. paging {args.fill:,} runs, boto3 paginator (median of 3)",
        ("paging", "boto3_s"),
        " s",
        "<= 0.3 s",
    )
    row("   raw http.client total", ("paging", "raw_s"), " s")
    row("     of which request->response", ("paging", "raw_request_response_s"), " s")
    row("     of which client json.loads", ("paging", "raw_json_parse_s"), " s")
    row(
        "   boto3 paginator vs canned pages (client floor)",
        ("paging", "client_floor_boto3_s"),
        " s",
    )
    row("   raw http.client vs canned pages", ("paging", "client_floor_raw_s"), " s")
    row("   response bytes, all pages", ("paging", "response_bytes"))
    row("   runs seen (boto3 / raw)", ("paging", "boto3_runs_seen"))
    row("   load average at start", ("load1_start",))

    headers = ["metric", *systems, "target (gluerun)"]
    w0 = max(len(r[0]) for r in [*rows, (headers[0], [], "")])
    ws = [max([len(headers[i + 1])] + [len(r[1][i]) for r in rows]) for i in range(len(systems))]
    wt = max(len(headers[-1]), max(len(r[2]) for r in rows))

    def line(cells: list[str]) -> str:
        middle = [c.rjust(w) for c, w in zip(cells[1:-1], ws, strict=True)]
        return "  ".join([cells[0].ljust(w0), *middle, cells[-1].ljust(wt)])

    out = [line(headers), line(["-" * w0] + ["-" * w for w in ws] + ["-" * wt])]
    for label, cells, target in rows:
        out.append(line([label, *cells, target]))
    notes = []
    for s in systems:
        for phase in ("latency", "paging"):
            e = _get(results[s], phase, "error")
            if e:
                notes.append(f"{s} {phase}: {e}")
        if results[s].get("error"):
            notes.append(f"{s}: {results[s]['error']}")
        for key in ("get_job_run", "start_job_run"):
            r = results[s].get(key)
            if r and r["errors"]:
                notes.append(
                    f"{s} {key}: {r['errors']} errors {r['error_kinds']}: {r['error_samples'][:3]}"
                )
        f = results[s].get("fill")
        if f and f["runs"] < f["target"]:
            notes.append(f"{s}: fill reached only {f['runs']} of {f['target']} runs")
    if "moto" in systems:
        notes.append(
            "moto executes nothing: its state manager ('immediate' progression) reports SUCCEEDED"
            " on the "
            "first GetJobRun, so its 'e2e' figure is just two API round trips."
        )
    if "gluerun" in systems:
        notes.append(
            "gluerun: latency on an engine-on server; throughput/paging on an API-only server "
            "(GLUERUN_ENGINE=false, runs stay STARTING)."
        )
    notes.append(
        f"load: {args.clients} client processes (fork), one keep-alive http.client"
        " connection each, "
        f"pre-built bodies; client and server share the machine's {NCPU} CPUs."
    )
    return "\n".join(out) + "\n\nnotes:\n" + "\n".join(f"- {n}" for n in notes)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--only", choices=["gluerun", "moto"])
    ap.add_argument("--runs", type=int, default=50, help="trivial runs timed in phase 1")
    ap.add_argument("--clients", type=int, default=4, help="client processes in phase 2")
    ap.add_argument(
        "--seconds", type=float, default=5.0, help="duration of each phase-2 measurement"
    )
    ap.add_argument("--fill", type=int, default=10000, help="runs stored before phases 2-3")
    ap.add_argument("--fill-timeout", type=float, default=600.0, help="time bound of the fill")
    ap.add_argument("--run-timeout", type=float, default=60.0, help="per-run bound in phase 1")
    ap.add_argument("--skip-latency", action="store_true", help="skip phase 1")
    ap.add_argument(
        "--json", type=Path, help="where to write the JSON (default bench/results/core-<ts>.json)"
    )
    args = ap.parse_args()

    systems = [args.only] if args.only else ["gluerun", "moto"]
    workdir = Path(tempfile.mkdtemp(prefix="gluerun-bench-"))
    results: dict[str, dict[str, Any]] = {}
    started = dt.datetime.now()
    try:
        for s in systems:
            t0 = time.monotonic()
            results[s] = (bench_gluerun if s == "gluerun" else bench_moto)(args, workdir)
            results[s]["wall_s"] = round(time.monotonic() - t0, 1)
    finally:
        keep_logs = {
            p.name: p.read_bytes()[-4000:].decode(errors="replace") for p in workdir.glob("*.log")
        }
        shutil.rmtree(workdir, ignore_errors=True)
    report = table(results, args)
    print(report)
    doc = {
        "started": started.isoformat(timespec="seconds"),
        "machine": {"cpus": NCPU, "python": sys.version.split()[0], "loadavg_end": os.getloadavg()},
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "results": results,
        "table": report,
        "server_log_tails": keep_logs,
    }
    path = args.json or RESULTS / f"core-{started.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, default=str))
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
