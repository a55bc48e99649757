"""Helpers of the fault tier: live servers to kill, a ledger the jobs write, a seeded RNG.

Every job script appends ``start <run id>`` when it begins and ``end <run id>`` when it
finishes to one ledger file (O_APPEND writes of one short line never interleave), so the
test can count executions per run no matter what the server says.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: the e2e tier's live-server helpers are shared with this tier
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from live_server import FINAL, Server, kill_strays

#: set GLUERUN_FAULT_SEED to replay a failing run of the tier (read at import: the suite's
#: autouse fixture clears GLUERUN_* variables before each test)
SEED_VARIABLE = "GLUERUN_FAULT_SEED"
_SEED_GIVEN = os.environ.get(SEED_VARIABLE, "")
#: the make_server fixture: starts a live server on the test's store
MakeServer = Callable[[], Server]
#: how long every run may take to reach a final state after the last restart
SETTLE_SECONDS = 60.0


def seeded_rng() -> tuple[random.Random, int]:
    """The tier's RNG and its seed (from GLUERUN_FAULT_SEED, else fresh)."""
    seed = int(_SEED_GIVEN) if _SEED_GIVEN else random.SystemRandom().randrange(2**31)
    return random.Random(seed), seed


def ledger_script(directory: Path, ledger: Path, seconds: float) -> str:
    """A job script that records its start and end in `ledger` around a `seconds` sleep."""
    path = directory / "ledger_job.py"
    path.write_text(
        "import sys, time\n"
        "run_id = sys.argv[sys.argv.index('--JOB_RUN_ID') + 1]\n"
        "def note(word):\n"
        f"    with open({str(ledger)!r}, 'a') as f:\n"
        "        f.write(f'{word} {run_id}\\n')\n"
        "note('start')\n"
        f"time.sleep({seconds})\n"
        "note('end')\n"
    )
    return str(path)


@dataclass
class Ledger:
    """What the job processes wrote."""

    starts: Counter[str]
    ends: Counter[str]

    @classmethod
    def read(cls, path: Path) -> Ledger:
        lines = path.read_text().split() if path.exists() else []
        pairs = list(zip(lines[::2], lines[1::2], strict=True))
        return cls(
            Counter(run for word, run in pairs if word == "start"),
            Counter(run for word, run in pairs if word == "end"),
        )


def create_ledger_job(glue: Any, name: str, script: str, max_retries: int = 1) -> None:
    glue.create_job(
        Name=name,
        Role="r",
        Command={"Name": "pythonshell", "ScriptLocation": script},
        MaxRetries=max_retries,
        ExecutionProperty={"MaxConcurrentRuns": 1000},
    )


def all_runs(glue: Any, job: str) -> dict[str, dict[str, Any]]:
    runs: dict[str, dict[str, Any]] = {}
    for page in glue.get_paginator("get_job_runs").paginate(JobName=job):
        runs.update({run["Id"]: run for run in page["JobRuns"]})
    return runs


def settle(glue: Any, job: str, timeout: float = SETTLE_SECONDS) -> dict[str, dict[str, Any]]:
    """Every run of `job` once all are final; raises if some stay non-final past `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        runs = all_runs(glue, job)
        stuck = {rid: r["JobRunState"] for rid, r in runs.items() if r["JobRunState"] not in FINAL}
        if not stuck:
            return runs
        if time.monotonic() > deadline:
            raise AssertionError(f"runs left non-final: {stuck}")
        time.sleep(0.1)


def wait_ledger(path: Path, word: str, run_id: str, timeout: float = SETTLE_SECONDS) -> None:
    """Wait until the run's job process has written `word` (start or end) to the ledger."""
    deadline = time.monotonic() + timeout
    while getattr(Ledger.read(path), f"{word}s")[run_id] == 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"{run_id} never wrote {word!r} to the ledger")
        time.sleep(0.05)


def store_url(server: Server) -> str:
    """The store a server uses: its GLUERUN_DATABASE_URL, else SQLite in its data dir."""
    return server.env.get("GLUERUN_DATABASE_URL") or f"sqlite:///{server.data_dir / 'gluerun.db'}"


def kill9(server: Server) -> None:
    """SIGKILL the server process (never its job processes, which live in their own sessions)."""
    assert server.proc is not None
    server.proc.kill()
    server.proc.wait()
    server.log.close()
    server.proc = None


def cleanup(server: Server) -> None:
    """End the server (if up) and any job process left in its data dir."""
    if server.proc is not None:
        server.shutdown()
    kill_strays(server.data_dir)
