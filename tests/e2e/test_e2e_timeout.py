"""One real Glue Timeout (the unit is a minute, so this test takes one)."""

from __future__ import annotations

import pytest
from live_server import FINAL, wait_state


@pytest.mark.slow
def test_a_real_one_minute_timeout(glue, script) -> None:  # type: ignore[no-untyped-def]
    glue.create_job(
        Name="slowpoke",
        Role="r",
        Command={"Name": "pythonshell", "ScriptLocation": script("import time; time.sleep(600)")},
        Timeout=1,
        MaxRetries=2,
    )
    run_id = glue.start_job_run(JobName="slowpoke")["JobRunId"]
    run = wait_state(glue, "slowpoke", run_id, FINAL, timeout=120)
    assert run["JobRunState"] == "TIMEOUT"
    assert "timed out" in run["ErrorMessage"]
    assert 59 <= (run["CompletedOn"] - run["StartedOn"]).total_seconds() < 90
    assert len(glue.get_job_runs(JobName="slowpoke")["JobRuns"]) == 1
