#!/usr/bin/env python
"""The console on a job with 10,000 runs, against the same pages on a job with 10.

An API-only server (GLUERUN_ENGINE=false: runs are stored and stay STARTING, nothing executes)
gets a job with --runs runs and a job with 10, filled with raw keep-alive HTTP. Then Debian's
chromium, driven by Playwright, loads each page --repeat times, interleaved: the jobs list
until both rows show their last run, and each job's page until its runs table and chart are
drawn. Timings are wall time from navigation to the last element appearing; the figure that
matters is the ratio big/small, which says whether a page's cost grows with the run history.

    .venv/bin/python bench/bench_console.py [--runs 10000] [--repeat 7] [--json PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "tests" / "console"))

from _common import RESULTS, log  # noqa: E402
from live_server import Server  # noqa: E402

from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

SMALL = 10


def fill(port: int, job: str, count: int, clients: int = 4) -> float:
    """Start `count` runs of `job` over `clients` keep-alive connections; returns seconds."""
    body = json.dumps({"JobName": job}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSGlue.StartJobRun"}

    def worker(share: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(share):
            conn.request("POST", "/", body, headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"StartJobRun answered {response.status}")
        conn.close()

    started = time.monotonic()
    shares = [count // clients + (1 if i < count % clients else 0) for i in range(clients)]
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, shares))
    return time.monotonic() - started


def timed(page: Any, url: str, ready: str) -> float:
    started = time.monotonic()
    page.goto(url)
    page.wait_for_function(ready, timeout=120_000)
    return time.monotonic() - started


JOBS_READY = "() => document.querySelectorAll('tr[data-job] .last .state').length === 2"


def job_ready(rows: int) -> str:
    return (
        f"() => document.querySelectorAll('#runs tr').length === {rows}"
        " && document.querySelector('svg.chart rect') !== null"
    )


def measure(endpoint: str, repeat: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    samples: dict[str, list[float]] = {
        "jobs list": [],
        "job page, 10 runs": [],
        "job page, big": [],
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(base_url=endpoint)
            timed(page, "/console/#/jobs", JOBS_READY)  # warm-up: caches, JIT
            for _ in range(repeat):
                page.goto("about:blank")
                samples["jobs list"].append(timed(page, "/console/#/jobs", JOBS_READY))
                page.goto("about:blank")
                small = timed(page, "/console/#/jobs/small", job_ready(SMALL))
                samples["job page, 10 runs"].append(small)
                page.goto("about:blank")
                samples["job page, big"].append(timed(page, "/console/#/jobs/big", job_ready(50)))
        finally:
            browser.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if not CHROMIUM:
        sys.exit("bench_console needs Debian's chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "data", env={"GLUERUN_ENGINE": "false"})
        server.start()
        try:
            glue = server.client()
            command = {"Name": "pythonshell", "ScriptLocation": "/bin/true"}
            for name in ("big", "small"):
                glue.create_job(
                    Name=name,
                    Role="r",
                    Command=command,
                    ExecutionProperty={"MaxConcurrentRuns": args.runs + SMALL},
                )
            log(f"filling {args.runs} runs")
            fill_seconds = fill(server.port, "big", args.runs)
            fill(server.port, "small", SMALL)
            samples = measure(server.endpoint, args.repeat)
        finally:
            server.stop()  # API-only: no job process to stop, and 10,000 STARTING runs
    report(samples, args, fill_seconds)


def report(samples: dict[str, list[float]], args: argparse.Namespace, fill_seconds: float) -> None:
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"\nconsole, chromium, median of {args.repeat} (ms); big job: {args.runs} runs")
    for name, values in samples.items():
        print(f"  {name:22s} p50 {medians[name] * 1000:7.0f}  max {max(values) * 1000:7.0f}")
    ratio = medians["job page, big"] / medians["job page, 10 runs"]
    print(f"  job page {args.runs} runs / 10 runs: {ratio:.2f}x  (fill: {fill_seconds:.1f} s)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.json or RESULTS / f"console-{stamp}.json"
    out.write_text(json.dumps({"runs": args.runs, "samples": samples, "ratio": ratio}, indent=2))


if __name__ == "__main__":
    main()
