"""Phase 2 of bench_core.py: fill a job with runs, then GetJobRun/s and StartJobRun/s from
forked clients (and phase 3, paging, on the filled job)."""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from _common import Server, create_job, enc, log, run_ids, run_load, start_bodies, strip
from phase_paging import phase_paging


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
