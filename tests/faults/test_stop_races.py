"""BatchStopJobRun racing a run's launch (0-200 ms after StartJobRun), across a kill -9 too.

Whether the stop finds the run unclaimed, being launched or running, the run must end in a
final state (no STOPPING left, holding a slot forever), that state must be true (a STOPPED
run never finished its script; a SUCCEEDED one did), and no job process may be left over.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from fault_support import (
    Ledger,
    MakeServer,
    create_ledger_job,
    kill9,
    ledger_script,
    settle,
    store_url,
    wait_ledger,
)
from live_server import kill_strays

from gluerun.store import open_store

RACES = 20
JOB_SECONDS = 5.0
STOP_AFTER = 0.2


def test_runs_stopped_as_they_start_all_end_stopped_for_real(
    make_server: MakeServer, rng: random.Random, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger"
    server = make_server()
    create_ledger_job(
        server.client(), "raced", ledger_script(tmp_path, ledger, JOB_SECONDS), max_retries=0
    )
    kill_at = rng.randrange(RACES)
    started: list[str] = []
    for n in range(RACES):
        glue = server.client()
        run_id = glue.start_job_run(JobName="raced")["JobRunId"]
        started.append(run_id)
        time.sleep(rng.uniform(0, STOP_AFTER))
        glue.batch_stop_job_run(JobName="raced", JobRunIds=[run_id])
        if n == kill_at:
            time.sleep(rng.uniform(0, STOP_AFTER))
            kill9(server)
            server.start()
    runs = settle(server.client(), "raced", timeout=60)
    seen = Ledger.read(ledger)
    context = f"kill -9 after race {kill_at}; replay with GLUERUN_FAULT_SEED (printed above)"
    assert sorted(runs) == sorted(started), context
    assert all(n == 1 for n in seen.starts.values()), f"{context}: executed twice: {seen.starts}"
    for run_id, run in runs.items():
        state = run["JobRunState"]
        if state == "STOPPED":
            assert seen.ends[run_id] == 0, f"{context}: {run_id} STOPPED but its script finished"
        else:
            assert state == "SUCCEEDED" and seen.ends[run_id] == 1, f"{context}: {run_id} {state}"
    assert kill_strays(server.data_dir) == [], f"{context}: job processes outlived their runs"


@pytest.mark.parametrize("ended_while_down", [True, False])
def test_a_stop_the_crash_kept_from_the_process_ends_as_the_script_did(
    make_server: MakeServer, tmp_path: Path, ended_while_down: bool
) -> None:
    """The stop is stored, then the server dies before its engine acts on it. A script that
    runs to its end while the server is down ends SUCCEEDED (STOPPED would say it did not
    finish); one still running when the server is back is killed and ends STOPPED."""
    ledger = tmp_path / "ledger"
    seconds = 1.0 if ended_while_down else 120.0
    server = make_server()
    glue = server.client()
    create_ledger_job(glue, "kept", ledger_script(tmp_path, ledger, seconds), max_retries=0)
    run_id = glue.start_job_run(JobName="kept")["JobRunId"]
    wait_ledger(ledger, "start", run_id)
    kill9(server)
    # BatchStopJobRun's write, as if it committed just before the crash
    store = open_store(store_url(server))
    try:
        job = store.runs.get_job("kept")
        assert job is not None
        store.runs.request_stop(job.job_id, run_id, time.time())
    finally:
        store.close()
    if ended_while_down:
        wait_ledger(ledger, "end", run_id)
    server.start()
    run = settle(server.client(), "kept")[run_id]
    seen = Ledger.read(ledger)
    assert (run["JobRunState"], seen.ends[run_id]) == (
        ("SUCCEEDED", 1) if ended_while_down else ("STOPPED", 0)
    )
    assert kill_strays(server.data_dir) == []
