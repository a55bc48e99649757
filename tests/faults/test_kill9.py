"""kill -9 of a live server at random points of the launch, run and finish paths.

Each trial starts a burst of runs of a job that records its start and end in a ledger, kills
the server with SIGKILL after a random delay (within the launch window, while the runs run,
or as they finish), sometimes twice, and restarts it. The ledger then says how often each
run really executed: exactly once for every StartJobRun, with every run SUCCEEDED (the jobs
never fail, so any FAILED run or retry attempt is gluerun's mistake) and none left non-final.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from fault_support import Ledger, MakeServer, create_ledger_job, kill9, ledger_script, settle

TRIALS = 4
RUNS_PER_TRIAL = 6
JOB_SECONDS = 0.6
#: kill delays (seconds after the burst): the launch window, or anywhere up to the finish
LAUNCH_WINDOW = 0.25
KILL_WINDOW = JOB_SECONDS + 0.6


def test_kill9_never_runs_a_job_twice_nor_loses_one(
    make_server: MakeServer, rng: random.Random, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger"
    script = ledger_script(tmp_path, ledger, JOB_SECONDS)
    server = make_server()
    create_ledger_job(server.client(), "ledgered", script, max_retries=1)
    started: list[str] = []
    for trial in range(TRIALS):
        glue = server.client()
        started += [
            glue.start_job_run(JobName="ledgered")["JobRunId"] for _ in range(RUNS_PER_TRIAL)
        ]
        for _ in range(rng.choice([1, 1, 2])):
            time.sleep(rng.uniform(0, rng.choice([LAUNCH_WINDOW, KILL_WINDOW])))
            kill9(server)
            server.start()
        runs = settle(server.client(), "ledgered")
        seen = Ledger.read(ledger)
        context = f"trial {trial}; replay with GLUERUN_FAULT_SEED (printed above)"
        extra = sorted(set(runs) - set(started))
        assert not extra, f"{context}: runs other than those started (retries): {extra}"
        twice = {run: n for run, n in seen.starts.items() if n != 1}
        assert not twice, f"{context}: runs executed more than once: {twice}"
        assert set(seen.starts) == set(started), f"{context}: runs never executed"
        assert seen.ends == seen.starts, f"{context}: executions cut short"
        states = {rid: r["JobRunState"] for rid, r in runs.items()}
        wrong = {rid: state for rid, state in states.items() if state != "SUCCEEDED"}
        assert not wrong, f"{context}: runs that succeeded reported otherwise: {wrong}"
