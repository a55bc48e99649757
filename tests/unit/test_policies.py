"""Pure policies: argument merging, admission, retries, timeouts, capacity."""

from __future__ import annotations

import pytest

from gluerun.model import policies
from gluerun.model.policies import Admission
from gluerun.model.runs import RunState
from gluerun.testing import make_job, make_run


def test_arguments_merge_in_glue_order() -> None:
    merged = policies.effective_arguments(
        {"--a": "default", "--b": "default"}, {"--b": "run", "--c": "run"}, {"--c": "fixed"}
    )
    assert merged == {"--a": "default", "--b": "run", "--c": "fixed"}


def test_script_argv_injects_ids_and_bookmark_default() -> None:
    argv = policies.script_argv({"--day": "1"}, "j_1", "jr_1", "my job")
    pairs = dict(zip(argv[::2], argv[1::2], strict=True))
    assert pairs == {
        "--day": "1",
        "--job-bookmark-option": "job-bookmark-disable",
        "--JOB_ID": "j_1",
        "--JOB_RUN_ID": "jr_1",
        "--JOB_NAME": "my job",
    }
    argv = policies.script_argv({"--job-bookmark-option": "job-bookmark-enable"}, "j", "r", "n")
    assert argv[1] == "job-bookmark-enable"


@pytest.mark.parametrize(
    ("active", "waiting", "limit", "queuing", "expected"),
    [
        (0, 0, 1, False, Admission.START),
        (1, 0, 1, False, Admission.REJECT),
        (1, 0, 1, True, Admission.QUEUE),
        (1, 1, 3, True, Admission.QUEUE),
        (2, 0, 3, False, Admission.START),
    ],
)
def test_admit(active: int, waiting: int, limit: int, queuing: bool, expected: Admission) -> None:
    assert policies.admit(active, waiting, limit, queuing) is expected


def test_retry_decision_only_for_failed_runs_within_max_retries() -> None:
    job = make_job()
    failed = make_run(job, run_id="jr_x", state=RunState.FAILED)
    decision = policies.retry_decision(failed, 2)
    assert decision == policies.RetryDecision("jr_x_attempt_1", 1, "jr_x")
    second = make_run(job, run_id="jr_x_attempt_1", state=RunState.FAILED, attempt=1)
    assert policies.retry_decision(second, 2) == policies.RetryDecision(
        "jr_x_attempt_2", 2, "jr_x_attempt_1"
    )
    last = make_run(job, run_id="jr_x_attempt_2", state=RunState.FAILED, attempt=2)
    assert policies.retry_decision(last, 2) is None
    for state in (RunState.TIMEOUT, RunState.STOPPED, RunState.ERROR, RunState.SUCCEEDED):
        assert policies.retry_decision(make_run(job, state=state), 5) is None
    assert policies.retry_decision(failed, None) is None


def test_timeout_precedence_and_defaults() -> None:
    assert policies.run_timeout(5, make_job(timeout=10)) == 5
    assert policies.run_timeout(None, make_job(timeout=10)) == 10
    assert policies.run_timeout(None, make_job(glue_version="4.0")) == 2880
    assert policies.run_timeout(None, make_job(glue_version="5.0")) == 480


def test_deadline_counts_from_admission() -> None:
    run = make_run(make_job(), timeout=2, started_on=100.0, admitted_on=160.0)
    assert policies.deadline(run) == 280.0
    assert policies.deadline(make_run(make_job(), timeout=None)) is None


def test_queuing_run_value_wins() -> None:
    assert policies.queuing_enabled(False, make_job(job_run_queuing_enabled=True)) is False
    assert policies.queuing_enabled(None, make_job(job_run_queuing_enabled=True)) is True
    assert policies.queuing_enabled(None, make_job()) is False


def test_capacity() -> None:
    assert policies.capacity(make_job()).max_capacity == 0.0625
    spark = make_job(command=make_job().command.__class__("glueetl", "/x.py"))
    cap = policies.capacity(spark, worker_type="G.2X", number_of_workers=5)
    assert (cap.max_capacity, cap.allocated_capacity, cap.worker_type) == (10.0, 10, "G.2X")
    assert policies.capacity(spark).max_capacity == 10.0


def test_allocated_capacity_is_max_capacity_by_its_old_name() -> None:
    spark = make_job(command=make_job().command.__class__("glueetl", "/x.py"))
    assert policies.capacity(spark, allocated_capacity=4).max_capacity == 4.0
    assert policies.capacity(make_job(allocated_capacity=3)).max_capacity == 3.0
    workers = make_job(
        command=spark.command, worker_type="G.1X", number_of_workers=2, max_capacity=None
    )
    assert policies.capacity(workers, allocated_capacity=6) == policies.Capacity(6.0, None, None, 6)
    # a lone NumberOfWorkers (or WorkerType) combines with the job's other half
    assert policies.capacity(workers, number_of_workers=5).max_capacity == 5.0
    assert policies.capacity(workers, worker_type="G.2X").max_capacity == 4.0


@pytest.mark.parametrize(
    ("location", "shadowed"),
    [
        ("/jobs/copy.py", "copy"),
        ("s3://bucket/scripts/awsglue.py", "awsglue"),
        ("json.py", "json"),
        ("/jobs/etl_copy.py", None),
        ("s3://bucket/scripts/copy", None),
    ],
)
def test_script_names_that_shadow_a_module_are_warned_of(
    location: str, shadowed: str | None
) -> None:
    warning = policies.script_name_warning(location)
    if shadowed is None:
        assert warning is None
    else:
        assert warning is not None and f"module {shadowed!r}" in warning
