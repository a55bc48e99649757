"""Trigger rules and predicate evaluation."""

from __future__ import annotations

import pytest

from gluerun.errors import InvalidInput
from gluerun.model.runs import RunState
from gluerun.model.triggers import (
    Action,
    Condition,
    Predicate,
    Trigger,
    TriggerState,
    TriggerType,
    check_trigger,
    evaluate,
    plan_starts,
)
from gluerun.testing import make_job, make_run


def trigger(kind: TriggerType, **kw: object) -> Trigger:
    base: dict[str, object] = {
        "name": "t",
        "type": kind,
        "state": TriggerState.CREATED,
        "actions": (Action("b"),),
        "created_on": 0.0,
    }
    base.update(kw)
    return Trigger(**base)  # type: ignore[arg-type]


def when(*conds: tuple[str, RunState], logical: str = "AND") -> Predicate:
    return Predicate(logical, tuple(Condition(j, s) for j, s in conds))


@pytest.mark.parametrize(
    ("bad", "start", "message"),
    [
        (trigger(TriggerType.SCHEDULED), False, "Schedule is required"),
        (trigger(TriggerType.SCHEDULED, schedule="cron(bad)"), False, "Invalid schedule"),
        (trigger(TriggerType.CONDITIONAL), False, "Predicate"),
        (trigger(TriggerType.ON_DEMAND), True, "StartOnCreation"),
        (trigger(TriggerType.ON_DEMAND, actions=()), False, "at least one action"),
        (trigger(TriggerType.EVENT), False, "workflows"),
        (
            trigger(TriggerType.CONDITIONAL, predicate=when(("b", RunState.SUCCEEDED))),
            False,
            "Job cannot be a Predicate and Action",
        ),
        (
            trigger(TriggerType.CONDITIONAL, predicate=when(("a", RunState.RUNNING))),
            False,
            "Condition State",
        ),
    ],
)
def test_glues_rules(bad: Trigger, start: bool, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_trigger(bad, start)


def finished(job: str, state: RunState, seq: int) -> tuple[int, object]:
    return seq, make_run(make_job(job), state=state, trigger_name="x")


def test_and_needs_every_condition_with_a_fresh_run() -> None:
    pred = when(("a", RunState.SUCCEEDED), ("c", RunState.FAILED))
    only_a = {"a": finished("a", RunState.SUCCEEDED, 5)}
    assert evaluate(pred, only_a, {}) is None  # type: ignore[arg-type]
    both = {**only_a, "c": finished("c", RunState.FAILED, 7)}
    firing = evaluate(pred, both, {})  # type: ignore[arg-type]
    assert firing is not None
    assert [p.job_name for p in firing.predecessors] == ["a", "c"]
    assert firing.watermarks == {"a": 5, "c": 7}
    # The same runs never fire it twice: a fresh run of every job is needed again.
    assert evaluate(pred, both, firing.watermarks) is None  # type: ignore[arg-type]
    again = {**both, "a": finished("a", RunState.SUCCEEDED, 9)}
    assert evaluate(pred, again, firing.watermarks) is None  # type: ignore[arg-type]


def test_and_with_a_wrong_state_does_not_fire() -> None:
    pred = when(("a", RunState.SUCCEEDED))
    assert evaluate(pred, {"a": finished("a", RunState.FAILED, 3)}, {}) is None  # type: ignore[arg-type]


def test_any_fires_on_one_match_and_moves_only_its_watermark() -> None:
    pred = when(("a", RunState.SUCCEEDED), ("c", RunState.SUCCEEDED), logical="ANY")
    firing = evaluate(pred, {"a": finished("a", RunState.SUCCEEDED, 4)}, {"c": 2})  # type: ignore[arg-type]
    assert firing is not None
    assert firing.watermarks == {"a": 4, "c": 2}


def test_plan_starts_fills_trigger_fields_and_errors_for_missing_jobs() -> None:
    t = trigger(
        TriggerType.ON_DEMAND,
        actions=(Action("b", {"--x": "1"}, timeout=7), Action("gone")),
    )
    starts = plan_starts(t, {"b": make_job("b"), "gone": None}, (), 100.0)
    run, missing = starts[0].run, starts[1].run
    assert (run.trigger_name, run.arguments, run.timeout) == ("t", {"--x": "1"}, 7)
    assert run.launch.arguments == {"--x": "1"}
    assert missing.state is RunState.ERROR and missing.error_message
