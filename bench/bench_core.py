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
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from _common import NCPU, RESULTS, dig, fmt, gluerun_server, log, moto_server
from phase_e2e import phase_latency
from phase_throughput import phase_throughput_and_paging


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
def table(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> str:  # noqa: C901
    systems = list(results)
    rows: list[tuple[str, list[str], str]] = []

    def row(label: str, path: tuple[str, ...], unit: str = "", target: str = "") -> None:
        rows.append((label, [fmt(dig(results[s], *path), unit) for s in systems], target))

    def lat(label: str, key: str, target: str = "") -> None:
        cells = []
        for s in systems:
            err = dig(results[s], "latency", "error")
            cells.append(
                ("ERROR (see notes)" if key == "p50_ms" else "-")
                if err
                else fmt(dig(results[s], "latency", key), " ms")
            )
        rows.append((label, cells, target))

    def load_row(label: str, key: str, target: str = "") -> None:
        cells = []
        for s in systems:
            r = dig(results[s], key)
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
            e = dig(results[s], phase, "error")
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
