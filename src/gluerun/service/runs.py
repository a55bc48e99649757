"""Glue's job runs: StartJobRun, GetJobRun, GetJobRuns, BatchStopJobRun.

A start writes the run (STARTING, or WAITING when queued) and an engine claims it; a stop
writes STOPPING and the run's engine ends the process: the store is the only channel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from gluerun.clock import Clock
from gluerun.errors import GluerunError, InvalidInput, JobNotFound, RunFinished, RunNotFound
from gluerun.model import policies
from gluerun.model.jobs import Job
from gluerun.model.runs import JobRun
from gluerun.model.starts import RunRequest, build_run, deleted_job_id
from gluerun.paging import decode_number_token, encode_token, page_size
from gluerun.service.jobs import JobService, check_capacity_range, check_run_request, first_value
from gluerun.store.base import StopOutcome
from gluerun.store.roles import RunStore


@dataclass(frozen=True)
class StopError:
    """A BatchStopJobRun id that could not be stopped, and why (api/ writes its ErrorDetail)."""

    run_id: str
    error: GluerunError


class RunService:
    """StartJobRun, GetJobRun, GetJobRuns, BatchStopJobRun."""

    def __init__(self, runs: RunStore, clock: Clock, jobs: JobService) -> None:
        self.runs = runs
        self.clock = clock
        self.jobs = jobs

    def start_job_run(self, job_name: str, request: RunRequest) -> str:
        return self.runs.start_run(*self._admission(job_name, request)).id

    def start_job_run_later(self, job_name: str, request: RunRequest) -> Future[JobRun]:
        """StartJobRun whose write is awaited rather than waited for (RunStore.start_run_later):
        the checks and reads are made now, and raise now."""
        return self.runs.start_run_later(*self._admission(job_name, request))

    def _admission(self, job_name: str, request: RunRequest) -> tuple[JobRun, int, bool]:
        """The run StartJobRun asks for, its job's MaxConcurrentRuns, and whether it may queue."""
        job = self.jobs.get_job(job_name)
        check_run_request(request, job)
        # The job's own MaxCapacity too: one stored before its range was enforced.
        capacity = first_value(
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
        return run, limit, queuing

    def _latest_attempt(self, job: Job, previous_id: str) -> JobRun:
        """StartJobRun with JobRunId: the newest attempt of the finished run's chain, which the
        new run follows (docs/behaviour.md: "StartJobRun with JobRunId")."""
        previous = self.runs.get_run(job.job_id, previous_id)
        if previous is None:
            raise RunNotFound(job.name, previous_id)
        if not previous.state.terminal:
            raise InvalidInput(
                f"Job run {previous_id} is {previous.state.value}; "
                "only finished runs can be retried."
            )
        latest = previous
        while (
            found := self.runs.get_run(job.job_id, policies.next_attempt(latest).run_id)
        ) is not None:
            latest = found
        return latest

    def _runs_key(self, job_name: str) -> str:
        """The job id a job's runs are kept under. Runs of a deleted job stay reachable when
        a trigger recorded ERROR runs for it."""
        job = self.runs.get_job(job_name)
        if job is not None:
            return job.job_id
        orphans = deleted_job_id(job_name)
        if self.runs.list_runs(orphans, None, 1).runs:
            return orphans
        raise JobNotFound(job_name)

    def get_job_run(
        self, job_name: str, run_id: str, predecessors_included: bool = False
    ) -> JobRun:
        run = self.runs.get_run(self._runs_key(job_name), run_id)
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
        page = self.runs.list_runs(key, seq, page_size(max_results))
        token = encode_token(f"run:{page.next_cursor}") if page.next_cursor is not None else None
        return list(page.runs), token

    def batch_stop_job_run(
        self, job_name: str, run_ids: Sequence[str]
    ) -> tuple[list[str], list[StopError]]:
        job = self.runs.get_job(job_name)
        stopped: list[str] = []
        errors: list[StopError] = []
        for run_id in run_ids:
            outcome = (
                self.runs.request_stop(job.job_id, run_id, self.clock.now())
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
