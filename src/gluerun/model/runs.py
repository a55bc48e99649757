"""Job runs: the state enum with its transition table, and the JobRun record.

State graph (see docs/lifecycle.md for the lettered edges)::

    WAITING ─a→ STARTING ─b→ RUNNING ─c→ SUCCEEDED | FAILED | TIMEOUT
       │            │           └─d→ STOPPING ─e→ STOPPED
       │            │                       └─i→ SUCCEEDED
       │            ├─f→ FAILED | ERROR | TIMEOUT
       │            └─d→ STOPPING
       └─g→ STOPPED
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from gluerun.errors import IllegalRunTransition


class RunState(enum.StrEnum):
    """A job run's state; the values are Glue's own strings."""

    #: queued by job-run queuing until a concurrency slot frees
    WAITING = "WAITING"
    #: accepted; the engine is preparing and launching the process
    STARTING = "STARTING"
    #: the job's process is running
    RUNNING = "RUNNING"
    #: a stop was requested; the engine is ending the process tree
    STOPPING = "STOPPING"
    #: ended by BatchStopJobRun
    STOPPED = "STOPPED"
    #: the script exited with status 0
    SUCCEEDED = "SUCCEEDED"
    #: the script failed, could not start, or its process was lost
    FAILED = "FAILED"
    #: the run outlived its Timeout and was killed
    TIMEOUT = "TIMEOUT"
    #: a trigger tried to run a job that no longer exists
    ERROR = "ERROR"
    #: in Glue's enum; gluerun never produces it
    EXPIRED = "EXPIRED"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


#: States a run never leaves.
TERMINAL: frozenset[RunState] = frozenset(
    {
        RunState.STOPPED,
        RunState.SUCCEEDED,
        RunState.FAILED,
        RunState.TIMEOUT,
        RunState.ERROR,
        RunState.EXPIRED,
    }
)

#: States that hold a concurrency slot of their job (and can be stopped).
ACTIVE: frozenset[RunState] = frozenset(
    {RunState.WAITING, RunState.STARTING, RunState.RUNNING, RunState.STOPPING}
)

#: States that hold a slot against ExecutionProperty.MaxConcurrentRuns (queued runs do not):
#: once claimed, the runs an engine node owns (it has, or is starting, their process).
SLOT_HOLDING: frozenset[RunState] = frozenset(
    {RunState.STARTING, RunState.RUNNING, RunState.STOPPING}
)

#: Every allowed move; anything else is an IllegalRunTransition.
TRANSITIONS: Mapping[RunState, frozenset[RunState]] = {
    RunState.WAITING: frozenset({RunState.STARTING, RunState.STOPPED, RunState.FAILED}),
    RunState.STARTING: frozenset(
        {
            RunState.RUNNING,
            RunState.STOPPING,
            RunState.FAILED,
            RunState.ERROR,
            RunState.TIMEOUT,
        }
    ),
    RunState.RUNNING: frozenset(
        {RunState.SUCCEEDED, RunState.FAILED, RunState.TIMEOUT, RunState.STOPPING}
    ),
    RunState.STOPPING: frozenset({RunState.STOPPED, RunState.SUCCEEDED}),
    **{state: frozenset() for state in TERMINAL},
}


def check_transition(run_id: str, current: RunState, new: RunState) -> None:
    """Raise IllegalRunTransition unless `current → new` is an edge of the graph."""
    if new not in TRANSITIONS[current]:
        raise IllegalRunTransition(run_id, current.value, new.value)


#: CloudWatch log group of every unencrypted run, as Glue reports it.
LOG_GROUP_NAME = "/aws-glue/jobs"


@dataclass(frozen=True)
class Predecessor:
    """A run that satisfied the predicate of the conditional trigger that started this run."""

    job_name: str
    run_id: str


@dataclass(frozen=True)
class LaunchSpec:
    """What the engine needs to launch a run, frozen at StartJobRun so retries repeat it."""

    command_name: str
    script_location: str
    python_version: str | None
    #: effective arguments: DefaultArguments < run Arguments < NonOverridableArguments
    arguments: Mapping[str, str]
    job_id: str
    #: MaxCapacity (or AllocatedCapacity) the run or its job set explicitly: it sizes a Spark
    #: run without workers; Glue's 10 DPU default does not (docs/spark.md)
    sized_capacity: float | None = None


@dataclass(frozen=True)
class JobRun:
    """One job run, as the store keeps it. Times are epoch seconds (float)."""

    id: str
    job_name: str
    state: RunState
    started_on: float
    last_modified_on: float
    launch: LaunchSpec
    attempt: int = 0
    previous_run_id: str | None = None
    trigger_name: str | None = None
    completed_on: float | None = None
    #: the run's own Arguments only (never the merged ones)
    arguments: Mapping[str, str] | None = None
    error_message: str | None = None
    execution_time: int = 0
    timeout: int | None = None
    max_capacity: float | None = None
    worker_type: str | None = None
    number_of_workers: int | None = None
    allocated_capacity: int | None = None
    glue_version: str | None = None
    notify_delay_after: int | None = None
    execution_class: str | None = None
    security_configuration: str | None = None
    job_run_queuing_enabled: bool | None = None
    state_detail: str | None = None
    predecessors: tuple[Predecessor, ...] = ()
    #: engine bookkeeping, never on the wire
    node_id: str | None = None
    pid: int | None = None
    pid_started: float | None = None
    running_since: float | None = None
    #: when the run left WAITING (or was created STARTING); its Timeout counts from here
    admitted_on: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def root_id(self) -> str:
        return self.id.split("_attempt_", 1)[0]

    def with_state(self, new: RunState, now: float, **changes: Any) -> JobRun:
        """The run moved to `new` at `now`, checked against TRANSITIONS."""
        check_transition(self.id, self.state, new)
        if new.terminal:
            changes.setdefault("completed_on", now)
            if self.running_since is not None:
                changes.setdefault("execution_time", int(now - self.running_since))
        return replace(self, state=new, last_modified_on=now, **changes)
