"""GlueService: one method per Glue operation, holding Glue's semantics.

Callers (api, cli) pass model values and get model values back; wire names live in
api/shapes.py. The service talks to the engine only through the store.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from gluerun.clock import Clock
from gluerun.errors import (
    GluerunError,
    InvalidInput,
    JobNotFound,
    RunFinished,
    RunNotFound,
    TriggerNotFound,
)
from gluerun.model import policies
from gluerun.model.jobs import PYTHONSHELL, Job
from gluerun.model.runs import ACTIVE, JobRun
from gluerun.model.starts import RunRequest, build_run, deleted_job_id
from gluerun.paging import decode_number_token, decode_token, encode_token, page_size
from gluerun.service.bookmarks import BookmarkOperations
from gluerun.service.catalog import CatalogService
from gluerun.service.triggers import TriggerOperations
from gluerun.store.base import StopOutcome
from gluerun.store.catalog import CatalogStore
from gluerun.store.roles import Stores

#: the resource kinds of Glue ARNs that GetTags/TagResource/UntagResource accept
TAGGABLE = ("job", "trigger", "database", "table", "connection")
#: The account part of an ARN gluerun takes as its own: empty or any 12 digits.
_ACCOUNT = re.compile(r"(\d{12})?")
#: How long a reset waits for runs to stop: store changes or quarter seconds (about 30 s;
#: an engine ends a process within 5 s of SIGTERM).
RESET_POLLS = 120
#: Glue's refusal of MaxCapacity beside WorkerType/NumberOfWorkers (docs/behaviour.md).
MAX_CAPACITY_WITH_WORKERS = (
    "Please do not set Max Capacity if using Worker Type and Number of Workers."
)
#: Glue's refusal of WorkerType without NumberOfWorkers or the reverse.
BOTH_WORKER_FIELDS = "Please set both Worker Type and Number of Workers."
#: Run Arguments, all together, may not exceed what Glue allows (260 KB).
MAX_ARGUMENTS_BYTES = 260 * 1024


@dataclass(frozen=True)
class StopError:
    """A BatchStopJobRun id that could not be stopped, and why (api/ writes its ErrorDetail)."""

    run_id: str
    error: GluerunError


def new_job_id() -> str:
    return "j_" + secrets.token_hex(32)


class GlueService(TriggerOperations, BookmarkOperations):
    """Glue's jobs, job runs and tags over the store's roles."""

    def __init__(
        self,
        store: Stores,
        clock: Clock,
        region: str,
        account_id: str,
        catalog: CatalogStore | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.region = region
        self.account_id = account_id
        #: the Data Catalog operations (catalog.py), on the same database by default
        self.data_catalog = CatalogService(
            catalog if catalog is not None else store.catalog, clock, region, account_id
        )

    # -- jobs ---------------------------------------------------------------------------
    def create_job(self, job: Job, tags: Mapping[str, str]) -> str:
        check_job(job)
        now = self.clock.now()
        job = dataclasses.replace(job, job_id=new_job_id(), created_on=now, last_modified_on=now)
        self.store.runs.create_job(job, tags)
        return job.name

    def get_job(self, name: str) -> Job:
        job = self.store.runs.get_job(name)
        if job is None:
            raise JobNotFound(name)
        return job

    def get_jobs(
        self, next_token: str | None, max_results: int | None
    ) -> tuple[list[Job], str | None]:
        return self._job_page(next_token, max_results, None)

    def list_jobs(
        self, next_token: str | None, max_results: int | None, tags: Mapping[str, str] | None
    ) -> tuple[list[str], str | None]:
        found, token = self._job_page(next_token, max_results, tags)
        return [job.name for job in found], token

    def _job_page(
        self, token: str | None, max_results: int | None, tags: Mapping[str, str] | None
    ) -> tuple[list[Job], str | None]:
        limit = page_size(max_results)
        found = self.store.runs.list_jobs(decode_token(token, "job"), limit + 1, tags or None)
        if len(found) > limit:
            return found[:limit], encode_token("job:" + found[limit - 1].name)
        return found, None

    def update_job(self, name: str, update: Job) -> str:
        current = self.get_job(name)
        replacement = dataclasses.replace(
            update,
            name=name,
            job_id=current.job_id,
            created_on=current.created_on,
            last_modified_on=self.clock.now(),
            # Glue keeps the GlueVersion when an update leaves it out.
            glue_version=update.glue_version or current.glue_version,
        )
        check_job(replacement)
        self.store.runs.replace_job(replacement)
        return name

    def delete_job(self, name: str) -> str:
        self.store.runs.delete_job(name, self.clock.now())
        return name

    def batch_get_jobs(self, names: Sequence[str]) -> tuple[list[Job], list[str]]:
        found, missing = [], []
        for name in dict.fromkeys(names):
            job = self.store.runs.get_job(name)
            if job is None:
                missing.append(name)
            else:
                found.append(job)
        return found, missing

    # -- test-suite reset ---------------------------------------------------------------
    def reset(self, polls: int = RESET_POLLS) -> int:
        """Stop every active run, then delete all state (POST /moto-api/reset, when enabled).

        Runs are asked to stop as BatchStopJobRun asks, and their engines end the processes;
        the wait for that is bounded by `polls` store changes or quarter seconds. Returns how
        many runs were still active when the state was deleted (0 unless an engine is down).
        """
        active = self.store.runs.node_runs(None, ACTIVE)
        for run in active:
            self.store.runs.request_stop(run.launch.job_id, run.id, self.clock.now())
        for _ in range(polls):
            if not active:
                break
            self.store.db.wait_for_change(0.25)
            active = self.store.runs.node_runs(None, ACTIVE)
        self.store.db.reset()
        return len(active)

    # -- tags ---------------------------------------------------------------------------
    def _resource(self, arn: str) -> tuple[str, str]:
        """(kind, name) of a taggable ARN in this node's region.

        gluerun serves one account, so the account part may be empty (Terraform with
        skip_requesting_account_id builds `arn:aws:glue:us-east-1::job/x`) or any 12 digits
        (tools that assume an account id of their own); the region must be this node's.
        """
        prefix = f"arn:aws:glue:{self.region}:{self.account_id}:"
        parts = arn.split(":", 5)
        kind, sep, name = parts[-1].partition("/")
        if (
            len(parts) != 6
            or parts[:4] != ["arn", "aws", "glue", self.region]
            or not _ACCOUNT.fullmatch(parts[4])
            or not sep
            or kind not in TAGGABLE
        ):
            raise InvalidInput(
                f"Invalid resource ARN {arn!r}: expected {prefix}<kind>/<name>, kind one of "
                f"{', '.join(TAGGABLE)}"
            )
        if kind in ("job", "trigger"):
            exists = self.store.runs.get_job if kind == "job" else self.store.triggers.get_trigger
            if exists(name) is None:
                raise JobNotFound(name) if kind == "job" else TriggerNotFound(name)
        else:
            self.data_catalog.check_exists(kind, name)  # raises EntityNotFound
        return kind, name

    def get_tags(self, arn: str) -> dict[str, str]:
        return self.store.runs.get_tags(*self._resource(arn))

    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None:
        kind, name = self._resource(arn)
        if len(self.store.runs.get_tags(kind, name) | dict(tags)) > 50:
            raise InvalidInput("A resource can have at most 50 tags.")
        self.store.runs.tag_resource(kind, name, tags)

    def untag_resource(self, arn: str, keys: Collection[str]) -> None:
        self.store.runs.untag_resource(*self._resource(arn), keys)

    # -- job runs -----------------------------------------------------------------------
    def start_job_run(self, job_name: str, request: RunRequest) -> str:
        job = self.get_job(job_name)
        check_run_request(request, job)
        # The job's own MaxCapacity too: one stored before its range was enforced.
        capacity = _first(
            request.max_capacity,
            request.allocated_capacity,
            job.max_capacity,
            job.allocated_capacity,
        )
        check_capacity_range(capacity, job.command.name)
        after = self._latest_attempt(job, request.job_run_id) if request.job_run_id else None
        run = build_run(job, request, self.clock.now(), after)
        limit = policies.max_concurrent_runs(job)
        queuing = policies.queuing_enabled(request.job_run_queuing_enabled, job)
        return self.store.runs.start_run(run, limit, queuing).id

    def _latest_attempt(self, job: Job, previous_id: str) -> JobRun:
        """StartJobRun with JobRunId: the newest attempt of the finished run's chain, which the
        new run follows (see docs/choices.md)."""
        previous = self.store.runs.get_run(job.job_id, previous_id)
        if previous is None:
            raise RunNotFound(job.name, previous_id)
        if not previous.state.terminal:
            raise InvalidInput(
                f"Job run {previous_id} is {previous.state.value}; "
                "only finished runs can be retried."
            )
        latest = previous
        while (
            found := self.store.runs.get_run(job.job_id, policies.next_attempt(latest).run_id)
        ) is not None:
            latest = found
        return latest

    def _runs_key(self, job_name: str) -> str:
        """The job id a job's runs are kept under. Runs of a deleted job stay reachable when
        a trigger recorded ERROR runs for it."""
        job = self.store.runs.get_job(job_name)
        if job is not None:
            return job.job_id
        orphans = deleted_job_id(job_name)
        if self.store.runs.list_runs(orphans, None, 1).runs:
            return orphans
        raise JobNotFound(job_name)

    def get_job_run(
        self, job_name: str, run_id: str, predecessors_included: bool = False
    ) -> JobRun:
        run = self.store.runs.get_run(self._runs_key(job_name), run_id)
        if run is None:
            raise RunNotFound(job_name, run_id)
        if not predecessors_included and run.predecessors:
            run = dataclasses.replace(run, predecessors=())
        return run

    def get_job_runs(
        self, job_name: str, next_token: str | None, max_results: int | None
    ) -> tuple[list[JobRun], str | None]:
        key = self._runs_key(job_name)
        seq = decode_number_token(next_token, "run")
        page = self.store.runs.list_runs(key, seq, page_size(max_results))
        token = encode_token(f"run:{page.next_cursor}") if page.next_cursor is not None else None
        return list(page.runs), token

    def batch_stop_job_run(
        self, job_name: str, run_ids: Sequence[str]
    ) -> tuple[list[str], list[StopError]]:
        job = self.store.runs.get_job(job_name)
        stopped: list[str] = []
        errors: list[StopError] = []
        for run_id in run_ids:
            outcome = (
                self.store.runs.request_stop(job.job_id, run_id, self.clock.now())
                if job is not None
                else StopOutcome.NOT_FOUND
            )
            if outcome in (StopOutcome.ACCEPTED, StopOutcome.STOPPED_WAITING):
                stopped.append(run_id)
            elif outcome == StopOutcome.FINISHED:
                errors.append(StopError(run_id, RunFinished(job_name, run_id)))
            else:
                errors.append(StopError(run_id, RunNotFound(job_name, run_id)))
        return stopped, errors


# -- semantic checks the model cannot express ---------------------------------------------
def check_job(job: Job) -> None:
    """Cross-field rules Glue enforces on CreateJob/UpdateJob."""
    check_one_capacity(job.allocated_capacity, job.max_capacity)
    check_capacity(
        _first(job.max_capacity, job.allocated_capacity),
        job.worker_type,
        job.number_of_workers,
        job.command.name,
    )
    if job.max_retries is not None and job.max_retries < 0:
        raise InvalidInput("MaxRetries must be greater than or equal to 0.")
    if job.max_concurrent_runs is not None and job.max_concurrent_runs < 1:
        raise InvalidInput(
            "ExecutionProperty.MaxConcurrentRuns must be greater than or equal to 1."
        )
    check_timeout(job.timeout)
    for field, args in (
        ("DefaultArguments", job.default_arguments),
        ("NonOverridableArguments", job.non_overridable_arguments),
    ):
        check_arguments(field, args)


def check_run_request(request: RunRequest, job: Job) -> None:
    check_timeout(request.timeout)
    if request.arguments is not None:
        check_arguments("Arguments", request.arguments)
    check_one_capacity(request.allocated_capacity, request.max_capacity)
    capacity = _first(request.max_capacity, request.allocated_capacity)
    if request.worker_type is not None and capacity is not None:
        raise InvalidInput(MAX_CAPACITY_WITH_WORKERS)
    if request.number_of_workers is not None and request.number_of_workers < 1:
        raise InvalidInput("NumberOfWorkers must be greater than or equal to 1.")
    # A lone WorkerType or NumberOfWorkers overrides that half of the job's workers; a job
    # sized by MaxCapacity has no other half to pair it with.
    lone = (request.worker_type is None) != (request.number_of_workers is None)
    if lone and capacity is None and job.worker_type is None:
        raise InvalidInput(BOTH_WORKER_FIELDS)


def check_one_capacity(allocated: int | None, max_capacity: float | None) -> None:
    """AllocatedCapacity is the deprecated name of MaxCapacity: Glue refuses both at once."""
    if allocated is not None and max_capacity is not None:
        raise InvalidInput("Please set only Allocated Capacity or Max Capacity")


def _first(*values: float | None) -> float | None:
    for value in values:
        if value is not None:
            return float(value)
    return None


def check_timeout(timeout: int | None) -> None:
    if timeout is not None and timeout >= policies.MAX_TIMEOUT:
        raise InvalidInput(f"Timeout must be less than {policies.MAX_TIMEOUT} minutes (7 days).")


def check_arguments(field: str, arguments: Mapping[str, str]) -> None:
    size = sum(len(k.encode()) + len(v.encode()) for k, v in arguments.items())
    if size > MAX_ARGUMENTS_BYTES:
        raise InvalidInput(f"{field} exceed the 260 KB limit on job arguments.")


def check_capacity(
    max_capacity: float | None, worker_type: str | None, workers: int | None, command: str
) -> None:
    if max_capacity is not None and (worker_type is not None or workers is not None):
        raise InvalidInput(MAX_CAPACITY_WITH_WORKERS)
    if (worker_type is None) != (workers is None):
        raise InvalidInput(BOTH_WORKER_FIELDS)
    if workers is not None and workers < 1:
        raise InvalidInput("NumberOfWorkers must be greater than or equal to 1.")
    check_capacity_range(max_capacity, command)


def check_capacity_range(max_capacity: float | None, command: str) -> None:
    """MaxCapacity within what Glue allows for the job's type (which also keeps the
    AllocatedCapacity derived from it a Java int)."""
    if max_capacity is None:
        return
    if command == PYTHONSHELL:
        if max_capacity not in (0.0625, 1.0):
            raise InvalidInput("MaxCapacity of a pythonshell job must be 0.0625 or 1.")
        return
    low, high = policies.SPARK_CAPACITY_RANGE
    if not low <= max_capacity <= high:
        raise InvalidInput(f"MaxCapacity of a {command} job must be from {low:g} to {high:g} DPUs.")
