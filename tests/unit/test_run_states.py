"""The run state machine: Glue's enum, the transition table, timestamps on transitions."""

from __future__ import annotations

import botocore.session
import pytest

from gluerun.errors import IllegalRunTransition
from gluerun.model.runs import ACTIVE, TERMINAL, TRANSITIONS, RunState
from gluerun.testing import make_job, make_run


def test_states_are_glues_enum() -> None:
    model = botocore.session.get_session().get_service_model("glue")
    assert sorted(s.value for s in RunState) == sorted(model.shape_for("JobRunState").enum)


def test_terminal_states_have_no_exits() -> None:
    for state in TERMINAL:
        assert TRANSITIONS[state] == frozenset()
    assert not TERMINAL & ACTIVE
    assert set(RunState) == TERMINAL | ACTIVE


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (RunState.SUCCEEDED, RunState.RUNNING),
        (RunState.STOPPING, RunState.FAILED),
        (RunState.WAITING, RunState.RUNNING),
        (RunState.RUNNING, RunState.STARTING),
    ],
)
def test_illegal_transitions_raise(current: RunState, new: RunState) -> None:
    run = make_run(make_job(), state=current)
    with pytest.raises(IllegalRunTransition):
        run.with_state(new, 1.0)


def test_terminal_transition_sets_completion_and_execution_time() -> None:
    run = make_run(make_job(), state=RunState.RUNNING, running_since=100.0)
    done = run.with_state(RunState.SUCCEEDED, 142.7)
    assert done.completed_on == 142.7 == done.last_modified_on
    assert done.execution_time == 42


def test_root_id_of_attempts() -> None:
    run = make_run(make_job(), run_id="jr_abc_attempt_2")
    assert run.root_id == "jr_abc"
