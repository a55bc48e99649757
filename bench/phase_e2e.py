"""Phase 1 of bench_core.py: a trivial pythonshell run end to end, StartJobRun -> SUCCEEDED."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from _common import TERMINAL_BAD, Raw, Server, create_job, enc, pct


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
