#!/usr/bin/env python
"""Hot calls and event-loop lag, gluerun next to moto in one call (see README.md).

Per store size (--sizes, runs stored before the measurement; gluerun fills WAITING runs
straight into its store, server stopped), on one engine-on gluerun server (SQLite):

1. quiet   StartJobRun/s and GetJobRun/s from --clients processes (one keep-alive connection
           each), --seconds each, and the event-loop lag meanwhile (gluerun's own
           gluerun_event_loop_lag_seconds histogram, read from /metrics before and after).
2. noisy   a job prints --print-mb MB to stdout; from its StartJobRun until it is SUCCEEDED
           (the engine ingests a run's whole output before it says so), the same clients call
           StartJobRun in --seconds rounds; StartJobRun/s, loop lag, and the latency of a
           GET / probe every 20 ms.

StartJobRun goes to a job with MaxConcurrentRuns=1 and queuing on, its one slot held by a
sleeping run: every call writes a WAITING run (the admission write of any StartJobRun) and no
process is spawned. moto_server gets the same calls (MaxConcurrentRuns 100000; it runs nothing
and has no loop lag to export) at --moto-sizes: its StartJobRun scans every run of the job,
so a large moto store takes too long to fill through its API.

    .venv/bin/python bench/bench_hot.py [--sizes 0,100000] [--clients 16] [--seconds 5]
                                        [--print-mb 50] [--moto-sizes 0] [--only gluerun|moto]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import (
    HOST,
    NCPU,
    RESULTS,
    Raw,
    Server,
    enc,
    gluerun_server,
    log,
    moto_server,
    pct,
    run_ids,
    run_load,
    start_bodies,
    strip,
)
from bench_queue import JOB, fill_waiting, kill_strays

LAG = "gluerun_event_loop_lag_seconds"
PRINTER = "bench-printer"


def lag_snapshot(port: int) -> dict[str, float]:
    """The lag histogram's cumulative buckets (by upper bound), count and sum."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(f"{LAG}_bucket"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            found[bound] = float(line.rsplit(" ", 1)[1])
        elif line.startswith((f"{LAG}_count", f"{LAG}_sum")):
            found[line.split(" ", 1)[0].removeprefix(LAG + "_")] = float(line.rsplit(" ", 1)[1])
    return found


def lag_between(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    """Wake-ups observed between two snapshots: count, mean, and the bucket holding p99."""
    count = after.get("count", 0) - before.get("count", 0)
    if count <= 0:
        return {"samples": 0}
    bounds = sorted((b for b in after if b not in ("count", "sum", "+Inf")), key=float)
    p99 = "+Inf"
    for bound in bounds:
        if after[bound] - before.get(bound, 0) >= 0.99 * count:
            p99 = bound
            break
    over5 = count - (after.get("0.005", 0) - before.get("0.005", 0))
    return {
        "samples": int(count),
        "mean_ms": round(1000 * (after["sum"] - before["sum"]) / count, 3),
        "p99_at_most_ms": None if p99 == "+Inf" else round(1000 * float(p99), 1),
        "over_5ms": int(over5),
    }


class Probe:
    """GET / every 20 ms on its own connection: what a light client sees meanwhile."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _loop(self) -> None:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        while not self._stop.wait(0.02):
            t0 = time.perf_counter()
            conn.request("GET", "/")
            conn.getresponse().read()
            self.samples.append(time.perf_counter() - t0)
        conn.close()

    def summary(self) -> dict[str, Any]:
        ms = [1000 * s for s in self.samples]
        if not ms:
            return {"samples": 0}
        return {
            "samples": len(ms),
            "p50_ms": round(statistics.median(ms), 2),
            "p99_ms": round(pct(ms, 99), 2),
            "max_ms": round(max(ms), 2),
        }


def create_jobs(port: int, workdir: Path, moto: bool, print_mb: int) -> None:
    sleeper = workdir / "sleep.py"
    sleeper.write_text("import time\ntime.sleep(3600)\n")
    lines = print_mb * 1024 * 1024 // 100
    printer = workdir / "printer.py"
    printer.write_text(
        "import sys\nw = sys.stdout.write\nline = 'x' * 99 + '\\n'\n"
        f"for _ in range({lines}):\n    w(line)\n"
    )
    raw = Raw(port)
    try:
        queue: dict[str, Any] = {"MaxConcurrentRuns": 100000 if moto else 1}
        raw.call("CreateJob", job_doc(JOB, sleeper, queue, queuing=not moto))
        raw.call("CreateJob", job_doc(PRINTER, printer, {"MaxConcurrentRuns": 1}, False))
        raw.call("StartJobRun", {"JobName": JOB})  # gluerun: takes the one slot for an hour
    finally:
        raw.close()


def job_doc(name: str, script: Path, execution: dict[str, Any], queuing: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "Name": name,
        "Role": "arn:aws:iam::123456789012:role/bench",
        "Command": {"Name": "pythonshell", "ScriptLocation": str(script), "PythonVersion": "3.9"},
        "MaxCapacity": 0.0625,
        "ExecutionProperty": execution,
    }
    if queuing:
        doc["JobRunQueuingEnabled"] = True
    return doc


def get_bodies(ids: list[str], clients: int) -> list[list[bytes]]:
    out = []
    for i in range(clients):
        rng = random.Random(1000 + i)
        sample = [rng.choice(ids) for _ in range(min(20000, len(ids)))]
        out.append([enc({"JobName": JOB, "RunId": rid}) for rid in sample])
    return out


def quiet(server: Server, args: argparse.Namespace, lag: bool) -> dict[str, Any]:
    """StartJobRun/s, then GetJobRun/s on the runs just started, and the loop lag over both."""
    before = lag_snapshot(server.port) if lag else {}
    start = run_load(
        server, "StartJobRun", start_bodies(JOB, args.clients), args.seconds, 10**9, keep=True
    )
    ids = run_ids(start.pop("_kept"))
    get = run_load(server, "GetJobRun", get_bodies(ids, args.clients), args.seconds, 10**9)
    get.pop("_kept")
    out = {"start_job_run": strip(start), "get_job_run": strip(get)}
    if lag:
        out["loop_lag"] = lag_between(before, lag_snapshot(server.port))
    return out


def noisy(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """StartJobRun rounds while the printer runs and its output is ingested."""
    raw = Raw(server.port)
    before = lag_snapshot(server.port)
    rounds: list[dict[str, Any]] = []
    t0 = time.monotonic()
    run_id = raw.call("StartJobRun", {"JobName": PRINTER})["JobRunId"]
    state = "STARTING"
    with Probe(server.port) as probe:
        while time.monotonic() - t0 < args.print_timeout:
            res = run_load(
                server,
                "StartJobRun",
                start_bodies(JOB, args.noisy_clients),
                args.round_seconds,
                10**9,
            )
            res.pop("_kept")
            rounds.append(strip(res))
            state = raw.call("GetJobRun", {"JobName": PRINTER, "RunId": run_id})["JobRun"][
                "JobRunState"
            ]
            if state not in ("STARTING", "RUNNING", "WAITING"):
                break
    elapsed = time.monotonic() - t0
    raw.close()
    calls = sum(r["ok"] for r in rounds)
    busy = sum(r["seconds"] for r in rounds)
    return {
        "printer_state": state,
        "printer_seconds": round(elapsed, 1),
        "start_job_run_per_s": round(calls / busy, 1) if busy else None,
        "errors": sum(r["errors"] for r in rounds),
        "rounds": rounds,
        "loop_lag": lag_between(before, lag_snapshot(server.port)),
        "probe": probe.summary(),
    }


def bench_gluerun(workdir: Path, args: argparse.Namespace, src: str = "") -> dict[str, Any]:
    """gluerun as installed, or (`src`) the source tree of another version."""
    url = f"sqlite:///{workdir / 'gluerun-data' / 'gluerun.db'}"
    server = gluerun_server("gluerun", workdir, True)
    if src:
        server.env["PYTHONPATH"] = src
    out: dict[str, Any] = {"sizes": []}
    try:
        server.start()
        create_jobs(server.port, workdir, False, args.print_mb)
        for size in args.sizes:
            if size:
                server.stop()
                log(f"gluerun: {fill_waiting(url, size)} WAITING runs added")
                server.start()
            log(f"gluerun: size {size}: quiet")
            result: dict[str, Any] = {"size": size, "load1": os.getloadavg()[0]}
            result["quiet"] = quiet(server, args, lag=True)
            log(f"gluerun: size {size}: {args.print_mb} MB printed")
            result["noisy"] = noisy(server, args)
            out["sizes"].append(result)
    finally:
        server.stop()
        kill_strays(workdir)
    return out


def bench_moto(workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    server = moto_server(workdir)
    out: dict[str, Any] = {"sizes": []}
    try:
        server.start()
        create_jobs(server.port, workdir, True, args.print_mb)
        stored = 1
        for size in args.moto_sizes:
            if size > stored:
                each = [(size - stored) // args.clients + 1] * args.clients
                run_load(server, "StartJobRun", start_bodies(JOB, args.clients), 3600, each)
                stored = size
            result = {"size": size, "load1": os.getloadavg()[0]}
            result["quiet"] = quiet(server, args, lag=False)
            out["sizes"].append(result)
    finally:
        server.stop()
    return out


def table(results: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        f"{'system':8} {'stored':>8} {'Start/s':>8} {'Get/s':>8} {'lag p99':>9} "
        f"{'lag>5ms':>8} {'noisy Start/s':>13} {'noisy lag p99':>13} {'lag>5ms':>8} "
        f"{'probe p99':>9} {'load1':>6}"
    ]
    for system, res in results.items():
        for r in res["sizes"]:
            q, n = r["quiet"], r.get("noisy", {})
            ql, nl = q.get("loop_lag", {}), n.get("loop_lag", {})
            lines.append(
                f"{system:8} {r['size']:>8,} {q['start_job_run']['ok_per_s']:>8,.0f} "
                f"{q['get_job_run']['ok_per_s']:>8,.0f} {cell(ql.get('p99_at_most_ms'), True):>9} "
                f"{cell(ql.get('over_5ms')):>8} {cell(n.get('start_job_run_per_s')):>13} "
                f"{cell(nl.get('p99_at_most_ms'), True):>13} {cell(nl.get('over_5ms')):>8} "
                f"{cell(n.get('probe', {}).get('p99_ms')):>9} {r['load1']:>6.1f}"
            )
    lines.append(
        f"\nquiet: {args.clients} client processes, {args.seconds} s per figure; noisy: "
        f"{args.noisy_clients} clients calling StartJobRun while {args.print_mb} MB are printed "
        "and ingested; probe: GET / every 20 ms meanwhile (ms). Lag p99 is the "
        "upper bound of the histogram bucket holding it (ms); lag>5ms counts wake-ups over 5 ms."
    )
    return "\n".join(lines)


def cell(v: Any, bound: bool = False) -> str:
    if v is None:
        return "-"
    return f"≤{v:g}" if bound else f"{v:,.0f}"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--only", choices=["gluerun", "baseline", "moto"])
    ap.add_argument("--sizes", default="0,100000")
    ap.add_argument("--moto-sizes", default="0")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--noisy-clients", type=int, default=2, help="StartJobRun load while printing")
    ap.add_argument("--baseline-src", default="", help="also run gluerun from this src tree")
    ap.add_argument("--round-seconds", type=float, default=2.0)
    ap.add_argument("--print-mb", type=int, default=50)
    ap.add_argument("--print-timeout", type=float, default=300.0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.moto_sizes = [int(s) for s in args.moto_sizes.split(",")]
    started = dt.datetime.now()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="gluerun-bench-hot-") as tmp:
        systems = ["gluerun", "baseline", "moto"] if args.baseline_src else ["gluerun", "moto"]
        for system in [args.only] if args.only else systems:
            workdir = Path(tmp) / system
            workdir.mkdir()
            if system == "moto":
                results[system] = bench_moto(workdir, args)
            else:
                src = args.baseline_src if system == "baseline" else ""
                results[system] = bench_gluerun(workdir, args, src)
    report = table(results, args)
    print(report)
    doc = {
        "started": started.isoformat(timespec="seconds"),
        "cpus": NCPU,
        "loadavg_end": os.getloadavg(),
        "args": vars(args),
        "results": results,
    }
    path = args.json or RESULTS / f"hot-{started.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, default=str))
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
