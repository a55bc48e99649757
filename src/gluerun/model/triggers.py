"""Triggers: definitions, Glue's rules for them, and predicate evaluation (pure)."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gluerun.errors import InvalidInput
from gluerun.model import cron, policies
from gluerun.model.jobs import Job
from gluerun.model.runs import JobRun, Predecessor, RunState
from gluerun.model.starts import RunRequest, build_run, error_run


class TriggerType(enum.StrEnum):
    SCHEDULED = "SCHEDULED"
    CONDITIONAL = "CONDITIONAL"
    ON_DEMAND = "ON_DEMAND"
    EVENT = "EVENT"


class TriggerState(enum.StrEnum):
    """gluerun moves between the stable states at once; the transitional ones never show."""

    CREATED = "CREATED"
    ACTIVATED = "ACTIVATED"
    DEACTIVATED = "DEACTIVATED"


#: Job run states a condition may wait for, as Glue allows.
WATCHABLE = frozenset({RunState.SUCCEEDED, RunState.STOPPED, RunState.FAILED, RunState.TIMEOUT})

# Glue's own words for definitions it refuses (see docs/behaviour.md, Triggers).
NO_PREDICATE = "Predicate cannot be null or empty"
BOTH_IN_ACTION = "Both JobName and CrawlerName cannot be set together in an action"
NO_CONDITION_TARGET = "JobName or CrawlerName in condition cannot be null or empty"
NO_JOB_STATE = (
    "State cannot be null or empty, choose from one of the following job state: "
    "[SUCCEEDED, STOPPED, FAILED, TIMEOUT]"
)
NO_CRAWL_STATE = (
    "State cannot be null or empty, choose from one of the following crawler state: "
    "[SUCCEEDED, FAILED, CANCELLED]"
)
NO_LOGICAL = "Logical operator cannot be null or empty when more than one condition is present"
#: a condition without LogicalOperator (the model leaves it optional; Glue does not)
NO_OPERATOR = "Logical operator cannot be null or empty"


@dataclass(frozen=True)
class Action:
    """Start one job (crawlers are not supported)."""

    job_name: str
    arguments: Mapping[str, str] | None = None
    timeout: int | None = None
    security_configuration: str | None = None
    notify_delay_after: int | None = None


@dataclass(frozen=True)
class Condition:
    job_name: str
    state: RunState


@dataclass(frozen=True)
class Predicate:
    #: AND or ANY
    logical: str
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Trigger:
    """A trigger and the bookkeeping that makes each of its fires happen once."""

    name: str
    type: TriggerType
    state: TriggerState
    actions: tuple[Action, ...]
    created_on: float
    schedule: str | None = None
    predicate: Predicate | None = None
    description: str | None = None
    #: SCHEDULED: the next tick to fire at (epoch seconds) while ACTIVATED
    next_fire: float | None = None
    #: CONDITIONAL: per watched job, the store sequence of the newest run already used
    watermarks: Mapping[str, int] = field(default_factory=dict)
    #: bumped on every change: fires and updates are compare-and-set on it
    version: int = 0
    extras: Mapping[str, Any] = field(default_factory=dict)

    @property
    def job_names(self) -> tuple[str, ...]:
        return tuple(action.job_name for action in self.actions)


def check_trigger(trigger: Trigger, start_on_creation: bool = False) -> None:
    """Glue's rules for a trigger definition; raises InvalidInput."""
    if trigger.type is TriggerType.EVENT:
        raise InvalidInput("EVENT triggers belong to workflows, which gluerun does not serve.")
    if not trigger.actions:
        raise InvalidInput("A trigger needs at least one action.")
    if trigger.type is TriggerType.SCHEDULED:
        if not trigger.schedule:
            raise InvalidInput("Schedule is required for a SCHEDULED trigger.")
        cron.parse(trigger.schedule)
    if trigger.type is TriggerType.CONDITIONAL:
        _check_predicate(trigger)
    if trigger.type is TriggerType.ON_DEMAND and start_on_creation:
        raise InvalidInput("StartOnCreation=true is not supported for ON_DEMAND triggers.")


def _check_predicate(trigger: Trigger) -> None:
    predicate = trigger.predicate
    if predicate is None or not predicate.conditions:
        raise InvalidInput(NO_PREDICATE)
    for condition in predicate.conditions:
        if condition.state not in WATCHABLE:
            allowed = ", ".join(sorted(WATCHABLE))
            raise InvalidInput(f"Condition State must be one of {allowed}.")
        if condition.job_name in trigger.job_names:
            raise InvalidInput("Job cannot be a Predicate and Action for Conditional Trigger.")


@dataclass(frozen=True)
class Firing:
    """A conditional trigger fires with these runs as PredecessorRuns; watermarks move on."""

    predecessors: tuple[Predecessor, ...]
    watermarks: Mapping[str, int]


def evaluate(
    predicate: Predicate, newest: Mapping[str, tuple[int, JobRun]], marks: Mapping[str, int]
) -> Firing | None:
    """Decide whether a conditional trigger fires.

    `newest` maps each watched job to its newest finished, trigger-started run (with its store
    sequence). A run counts once: only runs newer than the job's watermark are considered.
    AND fires when every condition has such a run in the required state; ANY when one does.
    """
    matched: list[tuple[str, int, JobRun]] = []
    for condition in predicate.conditions:
        entry = newest.get(condition.job_name)
        fresh = entry is not None and entry[0] > marks.get(condition.job_name, 0)
        if fresh and entry is not None and entry[1].state is condition.state:
            matched.append((condition.job_name, entry[0], entry[1]))
        elif predicate.logical == "AND":
            return None
    if not matched:
        return None
    new_marks = dict(marks)
    for job_name, seq, _ in matched:
        new_marks[job_name] = seq
    return Firing(tuple(Predecessor(run.job_name, run.id) for _, _, run in matched), new_marks)


def first_fire(trigger: Trigger, now: float) -> float | None:
    """When an ACTIVATED scheduled trigger fires next."""
    if trigger.type is not TriggerType.SCHEDULED or not trigger.schedule:
        return None
    return cron.parse(trigger.schedule).next_after(now)


def watched_jobs(predicate: Predicate | None) -> Sequence[str]:
    return [] if predicate is None else [c.job_name for c in predicate.conditions]


@dataclass(frozen=True)
class Start:
    """One run a fire starts, with what admission needs to know about its job."""

    run: JobRun
    limit: int
    queuing: bool


def plan_starts(
    trigger: Trigger,
    jobs: Mapping[str, Job | None],
    predecessors: tuple[Predecessor, ...],
    now: float,
) -> list[Start]:
    """The runs a fire of `trigger` starts: one per action, ERROR for a job that is gone."""
    starts = []
    for action in trigger.actions:
        request = RunRequest(
            arguments=action.arguments,
            timeout=action.timeout,
            security_configuration=action.security_configuration,
            notify_delay_after=action.notify_delay_after,
            trigger_name=trigger.name,
            predecessors=predecessors,
        )
        job = jobs.get(action.job_name)
        if job is None:
            message = (
                f"Trigger {trigger.name} attempted to run job {action.job_name}, "
                "which does not exist."
            )
            starts.append(Start(error_run(action.job_name, request, now, message), 0, False))
            continue
        run = build_run(job, request, now)
        limit = policies.max_concurrent_runs(job)
        starts.append(Start(run, limit, policies.queuing_enabled(None, job)))
    return starts
