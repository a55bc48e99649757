#!/usr/bin/env python
"""Where an API-only gluerun server spends its time under bench_core's load (needs py-spy).

Starts `gluerun serve` with GLUERUN_ENGINE=false, fills --fill runs for one job, then records
the server with `py-spy record` (raw/collapsed stacks) while the load runs:
GetJobRun (random ids), StartJobRun, and a raw-HTTP GetJobRuns page-through. Prints the top
frames by self time and by inclusive time for each, and keeps the collapsed stacks in
bench/results/profile-<ts>-<phase>.txt (load them into speedscope or flamegraph.pl).

    .venv/bin/pip install py-spy
    .venv/bin/python bench/profile_server.py [--fill 10000] [--seconds 8] [--clients 4]
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as bc

FRAME = re.compile(r"^(.*) \((.*?)(?::\d+)?\)$")


def short(frame: str) -> str:
    m = FRAME.match(frame)
    if not m:
        return frame
    func, path = m.groups()
    for marker in ("site-packages/", "/src/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{func} ({path})"


def summarize(path: Path, top: int) -> str:
    self_c: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        count = int(n)
        total += count
        frames = [short(f) for f in stack.split(";")]
        self_c[frames[-1]] += count
        for f in set(frames):
            incl[f] += count
    out = [f"  samples: {total}"]
    out.append("  -- self --")
    out += [f"  {100 * c / total:5.1f}%  {f}" for f, c in self_c.most_common(top)]
    out.append("  -- inclusive --")
    out += [f"  {100 * c / total:5.1f}%  {f}" for f, c in incl.most_common(top * 2)]
    return "\n".join(out)


def record(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    cmd = [
        str(bc.VENV_BIN / "py-spy"),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        "250",
        "--format",
        "raw",
        "--output",
        str(out),
        "--nonblocking",
    ]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fill", type=int, default=10000)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    bc.RESULTS.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="gluerun-prof-"))
    srv = bc.gluerun_server("gluerun-api", workdir, engine=False)
    job = "bench-load"
    try:
        srv.start()
        bc.create_job(srv.port, job, "/nonexistent/x.py", 100000)
        each = [
            args.fill // args.clients + (1 if i < args.fill % args.clients else 0)
            for i in range(args.clients)
        ]
        bc.log(f"filling {args.fill} runs")
        res = bc.run_load(
            srv, "StartJobRun", bc.start_bodies(job, args.clients), 900, each, keep=True
        )
        ids = bc.run_ids(res.pop("_kept"))
        bc.log(f"filled {len(ids)} in {res['seconds']} s")

        def get_load() -> None:
            bodies = []
            for i in range(args.clients):
                rng = random.Random(i)
                bodies.append(
                    [bc.enc({"JobName": job, "RunId": rng.choice(ids)}) for _ in range(20000)]
                )
            r = bc.run_load(srv, "GetJobRun", bodies, args.seconds, 10**9)
            bc.log(f"GetJobRun: {r['calls_per_s']}/s, {r['errors']} errors")

        def start_load() -> None:
            r = bc.run_load(
                srv, "StartJobRun", bc.start_bodies(job, args.clients), args.seconds, 10**9
            )
            bc.log(f"StartJobRun: {r['calls_per_s']}/s, {r['errors']} errors")

        def page_load() -> None:
            end = time.monotonic() + args.seconds
            n = 0
            while time.monotonic() < end and n < 100:
                r = bc.page_raw(srv.port, job, len(ids))
                n += 1
            bc.log(f"paging: {n} full page-throughs, last {r['s']:.3f} s")

        report = []
        for name, fn in (
            ("get_job_run", get_load),
            ("start_job_run", start_load),
            ("get_job_runs", page_load),
        ):
            out = bc.RESULTS / f"profile-{stamp}-{name}.txt"
            t = threading.Thread(target=fn)
            t.start()
            time.sleep(0.5)  # let the clients pass their barrier
            spy = record(srv.proc.pid, args.seconds - 1, out)  # type: ignore[union-attr]
            t.join()
            _, err = spy.communicate(timeout=60)
            if not out.exists():
                report.append(f"{name}: py-spy wrote nothing: {err.decode()[-500:]}")
                continue
            report.append(f"== {name} ==\n{summarize(out, args.top)}")
        print("\n\n".join(report))
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
