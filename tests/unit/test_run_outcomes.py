"""Every run outcome built in model/starts.py: first attempt, numbered attempt, retry, queued,
refused, error run."""

from __future__ import annotations

import dataclasses

import pytest

from gluerun.errors import IllegalRunTransition
from gluerun.model import starts
from gluerun.model.policies import Admission
from gluerun.model.runs import JobRun, RunState
from gluerun.model.starts import RunRequest
from gluerun.testing import make_job, make_run

NOW = 1_700_000_100.0


def test_a_first_attempt_starts_numbered_zero() -> None:
    run = starts.build_run(make_job("a"), RunRequest(arguments={"--x": "1"}), NOW)
    assert (run.state, run.attempt, run.previous_run_id) == (RunState.STARTING, 0, None)
    assert run.id.startswith("jr_") and "_attempt_" not in run.id
    assert (run.started_on, run.admitted_on, run.arguments) == (NOW, NOW, {"--x": "1"})


def test_an_attempt_after_a_run_is_numbered_by_the_one_rule() -> None:
    job = make_job("a")
    latest = make_run(job, run_id="jr_r_attempt_2", state=RunState.FAILED, attempt=2)
    run = starts.build_run(job, RunRequest(arguments={"--y": "2"}), NOW, after=latest)
    assert (run.id, run.attempt, run.previous_run_id) == ("jr_r_attempt_3", 3, latest.id)
    assert run.arguments == {"--y": "2"}


def test_a_retry_repeats_the_launch_without_the_failed_runs_outcome() -> None:
    job = make_job("a")
    failed = make_run(
        job,
        run_id="jr_r",
        state=RunState.FAILED,
        arguments={"--x": "1"},
        completed_on=NOW - 1,
        error_message="boom",
        execution_time=7,
        node_id="n1",
        pid=42,
        pid_started=NOW - 9,
        running_since=NOW - 8,
        trigger_name="t",
        state_detail="detail",
    )
    retry = starts.retry_run(failed, NOW)
    assert retry == dataclasses.replace(
        failed,
        id="jr_r_attempt_1",
        attempt=1,
        previous_run_id="jr_r",
        state=RunState.STARTING,
        started_on=NOW,
        last_modified_on=NOW,
        admitted_on=NOW,
        completed_on=None,
        error_message=None,
        execution_time=0,
        arguments=None,
        node_id=None,
        pid=None,
        pid_started=None,
        running_since=None,
    )
    assert starts.retry_run(retry, NOW).id == "jr_r_attempt_2"


def test_admission_starts_queues_or_refuses_a_new_run() -> None:
    run = make_run(make_job("a"), now=NOW)
    assert starts.admitted(run, Admission.START) is run
    queued = starts.admitted(run, Admission.QUEUE)
    assert (queued.state, queued.admitted_on) == (RunState.WAITING, None)
    assert queued.state_detail == starts.QUEUED_DETAIL
    refused = starts.admitted(run, Admission.REJECT)
    assert (refused.state, refused.completed_on, refused.last_modified_on) == (
        RunState.FAILED,
        NOW,
        NOW,
    )
    assert refused.error_message == "Max concurrent runs exceeded for a"


def test_refusal_goes_through_the_transition_table() -> None:
    done: JobRun = make_run(make_job("a"), state=RunState.SUCCEEDED)
    with pytest.raises(IllegalRunTransition):
        starts.refused(done, NOW)


def test_a_start_whose_job_vanished_is_an_error_run() -> None:
    run = make_run(make_job("a"), now=NOW, trigger_name="t")
    gone = starts.job_vanished(run)
    assert (gone.state, gone.trigger_name, gone.error_message) == (
        RunState.ERROR,
        "t",
        "The job no longer exists.",
    )
    assert (gone.job_name, gone.launch.job_id, gone.completed_on) == ("a", "deleted:a", NOW)
