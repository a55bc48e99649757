"""Pure policies shared by the service (synchronous checks) and the engine (the rest).

Data in, decision out: no I/O and no clock; callers pass `now` in.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from gluerun.model.jobs import PYTHONSHELL, Job
from gluerun.model.runs import JobRun, RunState

#: Glue's default MaxConcurrentRuns when a job sets none.
DEFAULT_MAX_CONCURRENT_RUNS = 1
#: Timeout (minutes) Glue applies when neither run nor job sets one, by Glue version.
DEFAULT_TIMEOUT_LEGACY = 2880
DEFAULT_TIMEOUT_GLUE5 = 480
#: A Timeout must stay below seven days.
MAX_TIMEOUT = 10080
#: GlueVersion gluerun reports for jobs created without one (docs/behaviour.md: "Defaults
#: reported by GetJob").
DEFAULT_GLUE_VERSION = {PYTHONSHELL: "3.0"}
DEFAULT_GLUE_VERSION_SPARK = "5.0"
#: MaxCapacity of a pythonshell job created without one.
DEFAULT_PYTHONSHELL_CAPACITY = 0.0625


def effective_arguments(
    defaults: Mapping[str, str],
    run: Mapping[str, str] | None,
    non_overridable: Mapping[str, str],
) -> dict[str, str]:
    """DefaultArguments < run Arguments < NonOverridableArguments, as Glue merges them."""
    merged = dict(defaults)
    merged.update(run or {})
    merged.update(non_overridable)
    return merged


def glue_version(job: Job) -> str:
    """The GlueVersion a job reports, filling Glue's default by command."""
    if job.glue_version:
        return job.glue_version
    return DEFAULT_GLUE_VERSION.get(job.command.name, DEFAULT_GLUE_VERSION_SPARK)


def default_timeout(version: str) -> int:
    """Glue's default Timeout in minutes: 480 from Glue 5.0 on, else 2880."""
    try:
        major = int(version.split(".", 1)[0])
    except ValueError:
        return DEFAULT_TIMEOUT_GLUE5
    return DEFAULT_TIMEOUT_GLUE5 if major >= 5 else DEFAULT_TIMEOUT_LEGACY


def run_timeout(run_value: int | None, job: Job) -> int:
    """A run's Timeout in minutes: the run's value, else the job's, else Glue's default."""
    if run_value is not None:
        return run_value
    if job.timeout is not None:
        return job.timeout
    return default_timeout(glue_version(job))


def max_concurrent_runs(job: Job) -> int:
    """ExecutionProperty.MaxConcurrentRuns with Glue's default of 1."""
    if job.max_concurrent_runs is None:
        return DEFAULT_MAX_CONCURRENT_RUNS
    return job.max_concurrent_runs


def queuing_enabled(run_value: bool | None, job: Job) -> bool:
    """JobRunQueuingEnabled: the run's value wins over the job's."""
    if run_value is not None:
        return run_value
    return bool(job.job_run_queuing_enabled)


class Admission(enum.Enum):
    """What StartJobRun does with a new run."""

    #: a slot is free: the run starts (STARTING)
    START = "start"
    #: no slot, queuing on: the run waits (WAITING)
    QUEUE = "queue"
    #: no slot, queuing off: ConcurrentRunsExceededException
    REJECT = "reject"


def admit(active: int, waiting: int, limit: int, queuing: bool) -> Admission:
    """Decide a new run's fate from its job's slot-holding and queued run counts.

    A queued run never jumps the queue: with runs already waiting, a new one waits too.
    """
    if active < limit and waiting == 0:
        return Admission.START
    return Admission.QUEUE if queuing else Admission.REJECT


def attempt_id(root_id: str, attempt: int) -> str:
    """Glue's id for retry `attempt` of the run `root_id`: always suffixed to the root."""
    return f"{root_id}_attempt_{attempt}"


@dataclass(frozen=True)
class RetryDecision:
    """A run is to be followed by attempt `attempt`, `run_id`, after `previous_run_id`."""

    run_id: str
    attempt: int
    previous_run_id: str


def next_attempt(latest: JobRun) -> RetryDecision:
    """THE numbering rule of attempts, for the engine's retries and StartJobRun's JobRunId
    alike: the attempt after `latest` (the newest of its root's runs) is `latest.attempt + 1`,
    `<root>_attempt_<n>`, with `latest` as its PreviousRunId."""
    nxt = latest.attempt + 1
    return RetryDecision(attempt_id(latest.root_id, nxt), nxt, latest.id)


def retry_decision(run: JobRun, max_retries: int | None) -> RetryDecision | None:
    """Retry FAILED runs up to MaxRetries times; STOPPED, TIMEOUT and ERROR runs never."""
    if run.state is not RunState.FAILED:
        return None
    if run.attempt >= (max_retries or 0):
        return None
    return next_attempt(run)


def deadline(run: JobRun) -> float | None:
    """When a run times out (epoch seconds): Timeout minutes after it was admitted.

    Time spent WAITING in the queue does not count.
    """
    if run.timeout is None:
        return None
    start = run.admitted_on if run.admitted_on is not None else run.started_on
    return start + run.timeout * 60.0


#: Glue's DPU per worker, by WorkerType (Standard counts as 1 DPU per worker).
DPU_PER_WORKER: dict[str, float] = {
    "Standard": 1.0,
    "G.025X": 0.25,
    "G.1X": 1.0,
    "G.2X": 2.0,
    "G.4X": 4.0,
    "G.8X": 8.0,
    "G.12X": 12.0,
    "G.16X": 16.0,
    "R.1X": 1.0,
    "R.2X": 2.0,
    "R.4X": 4.0,
    "R.8X": 8.0,
    "Z.2X": 2.0,
}
#: MaxCapacity of a Spark job given neither MaxCapacity nor workers.
DEFAULT_SPARK_CAPACITY = 10.0
#: The MaxCapacity Glue accepts for jobs other than pythonshell.
SPARK_CAPACITY_RANGE = (2.0, 100.0)
#: AllocatedCapacity is a Java int on the wire.
_MAX_ALLOCATED = 2**31 - 1


@dataclass(frozen=True)
class Capacity:
    """The capacity fields a run reports."""

    max_capacity: float
    worker_type: str | None
    number_of_workers: int | None
    allocated_capacity: int


def capacity(
    job: Job,
    max_capacity: float | None = None,
    worker_type: str | None = None,
    number_of_workers: int | None = None,
    allocated_capacity: int | None = None,
) -> Capacity:
    """Capacity of a run: run overrides over the job's values, filled as Glue fills them.

    AllocatedCapacity is Glue's deprecated name for MaxCapacity (whole DPUs): a run or job
    that gives only AllocatedCapacity runs with that many DPUs.
    """
    wtype = worker_type or job.worker_type
    workers = number_of_workers if number_of_workers is not None else job.number_of_workers
    run_cap = _first(max_capacity, allocated_capacity)
    if run_cap is None and wtype and workers:
        total = workers * DPU_PER_WORKER.get(wtype, 1.0)
        return Capacity(total, wtype, workers, _allocated(total))
    cap = _first(run_cap, job.max_capacity, job.allocated_capacity)
    if cap is None:
        cap = (
            DEFAULT_PYTHONSHELL_CAPACITY
            if job.command.name == PYTHONSHELL
            else DEFAULT_SPARK_CAPACITY
        )
    return Capacity(cap, None, None, _allocated(cap))


def _allocated(dpus: float) -> int:
    """Whole DPUs as AllocatedCapacity, held to a Java int: a capacity stored before Glue's
    range was enforced must not make every read of its job fail."""
    return int(max(0.0, min(dpus, _MAX_ALLOCATED)))


def _first(*values: float | None) -> float | None:
    """The first value that is set, as a float."""
    for value in values:
        if value is not None:
            return float(value)
    return None


#: Special parameters Glue injects into every script's argv.
BOOKMARK_OPTION = "--job-bookmark-option"
BOOKMARK_DEFAULT = "job-bookmark-disable"


def script_argv(arguments: Mapping[str, str], job_id: str, run_id: str, job_name: str) -> list[str]:
    """The script's argv after its path: `--key value` pairs plus Glue's injected ids."""
    merged = dict(arguments)
    merged.setdefault(BOOKMARK_OPTION, BOOKMARK_DEFAULT)
    merged["--JOB_ID"] = job_id
    merged["--JOB_RUN_ID"] = run_id
    merged["--JOB_NAME"] = job_name
    argv: list[str] = []
    for key, value in merged.items():
        argv.extend((key, value))
    return argv


#: modules every job imports by name besides Python's own (the awsglue runtime and Spark's)
_RUNTIME_MODULES = frozenset({"awsglue", "pyspark", "py4j"})


def script_name_warning(script_location: str) -> str | None:
    """A warning when the script's file name shadows a module the job will import.

    The script's folder comes first on the job's ``sys.path``, so ``copy.py`` or
    ``awsglue.py`` replaces that module for everything the job imports, which then fails far
    from the cause (a circular import inside pyspark or awsglue).
    """
    name = script_location.replace("\\", "/").rsplit("/", 1)[-1]
    stem = name[:-3] if name.endswith(".py") else ""
    if stem not in sys.stdlib_module_names and stem not in _RUNTIME_MODULES:
        return None
    return (
        f"warning: the script's name {name} shadows the module {stem!r} for the whole job "
        "(the script's folder comes first on sys.path); rename the script if imports fail."
    )
