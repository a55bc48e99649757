"""/metrics drops the run-duration series of deleted jobs, so deleting jobs frees them."""

from __future__ import annotations

import dataclasses

from gluerun.metrics import Metrics
from gluerun.model.runs import RunState
from gluerun.store import Stores
from gluerun.testing import make_job, make_run


def series(metrics: Metrics, job_name: str) -> list[str]:
    text = metrics.render().decode()
    return [line for line in text.splitlines() if f'job="{job_name}"' in line]


def test_duration_series_of_a_deleted_job_are_dropped(store: Stores) -> None:
    metrics = Metrics(store.events, store.nodes)
    for name in ("kept", "gone"):
        job = make_job(name, job_id=f"j_{name}")
        store.runs.create_job(job, {})
        run = dataclasses.replace(
            make_run(job), state=RunState.SUCCEEDED, completed_on=1_700_000_005.0
        )
        metrics.observe_run(run)
    assert series(metrics, "gone") and series(metrics, "kept")
    store.runs.delete_job("gone", 1_700_000_010.0)
    assert series(metrics, "gone") == []
    assert any("gluerun_run_duration_seconds_count" in line for line in series(metrics, "kept"))
    # A run of the deleted job that ends afterwards leaves nothing behind either.
    late = make_run(make_job("gone", job_id="j_gone"))
    metrics.observe_run(dataclasses.replace(late, state=RunState.STOPPED, completed_on=1.7e9))
    assert series(metrics, "gone") == []
