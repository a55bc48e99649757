"""Glue's jobs: CreateJob ... BatchGetJobs, and the cross-field checks Glue makes of a job and
of a run's overrides (which the model's per-field validation cannot express)."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping, Sequence

from gluerun.clock import Clock
from gluerun.errors import InvalidInput, JobNotFound
from gluerun.model import policies
from gluerun.model.jobs import PYTHONSHELL, Job
from gluerun.model.starts import RunRequest
from gluerun.paging import decode_token, encode_token, page_size
from gluerun.store.roles import RunStore

#: Glue's refusal of MaxCapacity beside WorkerType/NumberOfWorkers (docs/behaviour.md).
MAX_CAPACITY_WITH_WORKERS = (
    "Please do not set Max Capacity if using Worker Type and Number of Workers."
)
#: Glue's refusal of WorkerType without NumberOfWorkers or the reverse.
BOTH_WORKER_FIELDS = "Please set both Worker Type and Number of Workers."
#: Run Arguments, all together, may not exceed what Glue allows (260 KB).
MAX_ARGUMENTS_BYTES = 260 * 1024


def new_job_id() -> str:
    return "j_" + secrets.token_hex(32)


class JobService:
    """CreateJob, GetJob, GetJobs, ListJobs, UpdateJob, DeleteJob, BatchGetJobs."""

    def __init__(self, runs: RunStore, clock: Clock) -> None:
        self.runs = runs
        self.clock = clock

    def create_job(self, job: Job, tags: Mapping[str, str]) -> str:
        check_job(job)
        now = self.clock.now()
        job = dataclasses.replace(job, job_id=new_job_id(), created_on=now, last_modified_on=now)
        self.runs.create_job(job, tags)
        return job.name

    def get_job(self, name: str) -> Job:
        job = self.runs.get_job(name)
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
        found = self.runs.list_jobs(decode_token(token, "job"), limit + 1, tags or None)
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
        self.runs.replace_job(replacement)
        return name

    def delete_job(self, name: str) -> str:
        self.runs.delete_job(name, self.clock.now())
        return name

    def batch_get_jobs(self, names: Sequence[str]) -> tuple[list[Job], list[str]]:
        found, missing = [], []
        for name in dict.fromkeys(names):
            job = self.runs.get_job(name)
            if job is None:
                missing.append(name)
            else:
                found.append(job)
        return found, missing


# -- semantic checks the model cannot express ---------------------------------------------
def check_job(job: Job) -> None:
    """Cross-field rules Glue enforces on CreateJob/UpdateJob."""
    check_one_capacity(job.allocated_capacity, job.max_capacity)
    check_capacity(
        first_value(job.max_capacity, job.allocated_capacity),
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
    capacity = first_value(request.max_capacity, request.allocated_capacity)
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


def first_value(*values: float | None) -> float | None:
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
