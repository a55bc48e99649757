#!/usr/bin/env python
"""StartJobRun's store write from many threads at once, in process: how many the SQLite
writer commits together (see README.md).

--threads threads each call the store's start_run --calls times on one job (no HTTP, no
engine), on a SQLite file in a temp dir; it prints starts per second and starts per COMMIT.
With --src, the same with another version's source tree (a subprocess with PYTHONPATH=SRC).

    .venv/bin/python bench/bench_writer.py [--threads 16] [--calls 500] [--src /tmp/old/src]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time


def measure(threads: int, calls: int) -> str:
    from sqlalchemy import event

    from gluerun.store import open_store
    from gluerun.testing import make_job, make_run

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/gluerun.db")
        job = make_job("bench")
        store.runs.create_job(job, {})
        commits: list[int] = []
        event.listen(store.db.engine, "commit", lambda _conn: commits.append(1))

        def starts() -> None:
            for _ in range(calls):
                store.runs.start_run(make_run(job), 10**6, False)

        workers = [threading.Thread(target=starts) for _ in range(threads)]
        t0 = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - t0
        store.db.close()
    total = threads * calls
    return (
        f"{total} starts from {threads} threads: {total / elapsed:,.0f}/s, "
        f"{total / len(commits):.1f} starts per commit (load1 {os.getloadavg()[0]:.1f})"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--src", default="", help="also measure this source tree")
    args = ap.parse_args()
    print("this:  ", measure(args.threads, args.calls), flush=True)
    if args.src:
        cmd = [sys.executable, __file__, "--threads", str(args.threads), "--calls", str(args.calls)]
        env = {**os.environ, "PYTHONPATH": args.src}
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        print("--src: ", out.split("this:  ", 1)[1].strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
