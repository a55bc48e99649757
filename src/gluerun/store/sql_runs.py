"""SqlRuns: jobs, their runs and tags (the RunStore role) on SQLAlchemy Core.

Admission is exact: the job's row carries its counts of slot-holding and waiting runs, moved
in the same transaction as every run write (run_rows.py), and is row-locked on PostgreSQL
while a run is admitted. Claims use SKIP LOCKED there, so several nodes share one database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from concurrent.futures import Future
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.sql import Select

from gluerun.errors import AlreadyExists, JobNotFound
from gluerun.model.jobs import Job
from gluerun.model.runs import ACTIVE, JobRun, RunState
from gluerun.model.triggers import Start
from gluerun.store import codec
from gluerun.store.base import Fence, RunPage, StopOutcome
from gluerun.store.database import Database, row_locks
from gluerun.store.fastread import Prepared
from gluerun.store.run_rows import (
    admit_in,
    admit_job,
    count_move,
    delete_tags,
    insert_run,
    job_row,
    lock_job,
    put_tags,
    runs_where,
    stop,
    swap_run,
    tagged,
    write_run,
)
from gluerun.store.sql_bookmarks import delete_job_bookmarks
from gluerun.store.sql_events import record_state_change
from gluerun.store.sql_nodes import fence_clause, fence_holds
from gluerun.store.tables import jobs, runs
from gluerun.store.tables import tags as tag_rows

_ACTIVE = [s.value for s in ACTIVE]

#: Prepared once: building SQLAlchemy statements per call costs more than running them.
_RUN_STATE = select(runs.c.state).where(runs.c.id == bindparam("run_id"))
_GET_JOB = select(jobs.c.doc).where(jobs.c.name == bindparam("name"))
_GET_RUN = select(runs.c.doc).where(
    runs.c.id == bindparam("run_id"), runs.c.job_id == bindparam("job_id")
)
_LIST_RUNS = (
    select(runs.c.seq, runs.c.doc)
    .where(runs.c.job_id == bindparam("job_id"), runs.c.seq <= bindparam("cursor"))
    .order_by(runs.c.seq.desc())
    .limit(bindparam("limit"))
)
_ANY_UNCLAIMED = (
    select(runs.c.seq)
    .where(runs.c.state == RunState.STARTING.value, runs.c.node_id.is_(None))
    .limit(1)
)
_ANY_ADMISSIBLE = (
    select(jobs.c.job_id)
    .where(jobs.c.waiting_runs > 0, jobs.c.slot_runs < jobs.c.max_concurrent_runs)
    .limit(1)
)
#: Jobs with runs waiting and a slot free: the only ones admission has anything to do for.
_ADMISSIBLE_JOBS = select(jobs.c.job_id).where(
    jobs.c.waiting_runs > 0, jobs.c.slot_runs < jobs.c.max_concurrent_runs
)
#: Larger than any run sequence: the cursor of a first page.
_MAX_SEQ = 2**62


def _node_runs_query(by_node: bool, states: frozenset[RunState]) -> Select[Any]:
    """Runs in `states` (of the node bound as node_id, if `by_node`), oldest first."""
    # OR of equalities, not IN: an IN list is expanded per call, which Prepared can't.
    cond = [or_(*(runs.c.state == state.value for state in sorted(states)))]
    if by_node:
        cond.append(runs.c.node_id == bindparam("node_id"))
    return select(runs.c.doc).where(*cond).order_by(runs.c.seq)


class SqlRuns:
    """The RunStore (see roles.RunStore for the contract of each method)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._get_job = db.prepare(_GET_JOB)
        self._get_run = db.prepare(_GET_RUN)
        self._list_runs = db.prepare(_LIST_RUNS)
        self._any_unclaimed = db.prepare(_ANY_UNCLAIMED)
        self._any_admissible = db.prepare(_ANY_ADMISSIBLE)
        #: node_runs' statements, one per (by node?, state set) asked for: a handful
        self._node_runs: dict[tuple[bool, frozenset[RunState]], Prepared] = {}

    # -- jobs ---------------------------------------------------------------------------
    def create_job(self, job: Job, tags: Mapping[str, str]) -> None:
        try:
            with self._db.write() as conn:
                conn.execute(jobs.insert().values(**job_row(job)))
                put_tags(conn, "job", job.name, tags)
        except AlreadyExists:
            raise AlreadyExists(f"Job with name {job.name} already exists.") from None

    def get_job(self, name: str) -> Job | None:
        rows = self._db.rows(self._get_job, {"name": name})
        return codec.load_job(rows[0][0]) if rows else None

    def list_jobs(
        self, after: str | None, limit: int, tags: Mapping[str, str] | None = None
    ) -> list[Job]:
        query = select(jobs.c.doc).order_by(jobs.c.name).limit(limit)
        if after is not None:
            query = query.where(jobs.c.name > after)
        query = tagged(query, "job", jobs.c.name, tags or {})
        with self._db.read() as conn:
            return [codec.load_job(doc) for doc in conn.execute(query).scalars()]

    def replace_job(self, job: Job) -> None:
        with self._db.write() as conn:
            result = conn.execute(
                update(jobs).where(jobs.c.name == job.name).values(**job_row(job))
            )
            if result.rowcount != 1:
                raise JobNotFound(job.name)
        self._db.notify()

    def delete_job(self, name: str, now: float) -> bool:
        with self._db.write() as conn:
            job_id = conn.execute(select(jobs.c.job_id).where(jobs.c.name == name)).scalar()
            if job_id is None:
                return False
            conn.execute(delete(jobs).where(jobs.c.name == name))
            delete_job_bookmarks(conn, name)
            delete_tags(conn, "job", name)
            for run in runs_where(conn, runs.c.job_id == job_id, runs.c.state.in_(_ACTIVE)):
                stop(conn, run, now, "Job deleted while the run was active.")
        self._db.notify()
        return True

    # -- tags ---------------------------------------------------------------------------
    def get_tags(self, kind: str, name: str) -> dict[str, str]:
        query = select(tag_rows.c.key, tag_rows.c.value).where(
            tag_rows.c.kind == kind, tag_rows.c.name == name
        )
        with self._db.read() as conn:
            return {key: value for key, value in conn.execute(query)}

    def tag_resource(self, kind: str, name: str, tags: Mapping[str, str]) -> None:
        with self._db.write() as conn:
            put_tags(conn, kind, name, tags)

    def untag_resource(self, kind: str, name: str, keys: Collection[str]) -> None:
        with self._db.write() as conn:
            conn.execute(
                delete(tag_rows).where(
                    tag_rows.c.kind == kind, tag_rows.c.name == name, tag_rows.c.key.in_(keys)
                )
            )

    # -- runs: API side -----------------------------------------------------------------
    def start_run(self, run: JobRun, limit: int, queuing: bool) -> JobRun:
        start = Start(run, limit, queuing)
        run = self._db.write_work(lambda conn: admit_in(conn, start, strict=True))
        self._db.notify()
        return run

    def start_run_later(self, run: JobRun, limit: int, queuing: bool) -> Future[JobRun]:
        start = Start(run, limit, queuing)
        done = self._db.write_later(lambda conn: admit_in(conn, start, strict=True))
        done.add_done_callback(self._notify_if_written)
        return done

    def _notify_if_written(self, done: Future[JobRun]) -> None:
        if done.exception() is None:
            self._db.notify()

    def get_run(self, job_id: str, run_id: str) -> JobRun | None:
        rows = self._db.rows(self._get_run, {"run_id": run_id, "job_id": job_id})
        return codec.load_run(rows[0][0]) if rows else None

    def list_runs(self, job_id: str, cursor: int | None, limit: int) -> RunPage:
        values = {"job_id": job_id, "cursor": _MAX_SEQ if cursor is None else cursor}
        rows = self._db.rows(self._list_runs, {**values, "limit": limit + 1})
        nxt = rows[limit][0] if len(rows) > limit else None
        return RunPage([codec.load_run(doc) for _, doc in rows[:limit]], nxt)

    def request_stop(self, job_id: str, run_id: str, now: float) -> StopOutcome:
        with self._db.write() as conn:
            # Locked on PostgreSQL: a claim committing in between must not be overwritten.
            found = runs_where(
                conn, runs.c.id == run_id, runs.c.job_id == job_id, lock=row_locks(conn)
            )
            if not found:
                return StopOutcome.NOT_FOUND
            run = found[0]
            if run.state.terminal:
                return StopOutcome.FINISHED
            if run.state is RunState.STOPPING:
                return StopOutcome.ACCEPTED
            outcome = stop(conn, run, now, None)
        self._db.notify()
        return outcome

    # -- runs: engine side --------------------------------------------------------------
    def insert_run(self, run: JobRun) -> None:
        with self._db.write() as conn:
            insert_run(conn, run)
        self._db.notify()

    def claim_runs(self, node_id: str, limit: int, fence: Fence | None = None) -> list[JobRun]:
        # A cheap read first: most engine passes find nothing to claim, and a write
        # transaction would queue behind (and hold up) StartJobRun.
        if limit <= 0 or not self._db.rows(self._any_unclaimed, {}):
            return []
        with self._db.write() as conn:
            if fence is not None and not fence_holds(conn, fence):
                return []
            query = (
                select(runs.c.doc)
                .where(runs.c.state == RunState.STARTING.value, runs.c.node_id.is_(None))
                .order_by(runs.c.seq)
                .limit(limit)
            )
            if row_locks(conn):
                query = query.with_for_update(skip_locked=True)
            claimed = [
                dataclasses.replace(codec.load_run(doc), node_id=node_id)
                for doc in conn.execute(query).scalars()
            ]
            for run in claimed:
                write_run(conn, run, RunState.STARTING)
        return claimed

    def admit_waiting(self, now: float) -> list[JobRun]:
        # From the per-job counters, not the runs: a pass with no free slot costs one cheap
        # read however many runs wait, and one with free slots reads only the runs it admits.
        admitted: list[JobRun] = []
        if not self._db.rows(self._any_admissible, {}):
            return admitted
        with self._db.write() as conn:
            for job_id in list(conn.execute(_ADMISSIBLE_JOBS).scalars()):
                admitted.extend(admit_job(conn, lock_job(conn, job_id), job_id, now))
        if admitted:
            self._db.notify()
        return admitted

    def update_run(
        self,
        run: JobRun,
        expected: Collection[RunState],
        fence: Fence | None = None,
        retry: JobRun | None = None,
    ) -> bool:
        with self._db.write() as conn:
            guard = None if fence is None else fence_clause(fence, lock=row_locks(conn))
            current = conn.execute(_RUN_STATE, {"run_id": run.id}).scalar()
            old = RunState(current) if current is not None else None
            changed = old in expected and swap_run(conn, run, old, guard)
            if changed:
                record_state_change(conn, run)
                count_move(conn, run.launch.job_id, old, run.state)
                if retry is not None:
                    insert_run(conn, retry)
        if changed:
            self._db.notify()
        return changed

    def node_runs(self, node_id: str | None, states: Collection[RunState]) -> list[JobRun]:
        wanted = frozenset(states)
        if not wanted:
            return []
        key = (node_id is not None, wanted)
        prepared = self._node_runs.get(key)
        if prepared is None:
            prepared = self._node_runs[key] = self._db.prepare(_node_runs_query(*key))
        values = {} if node_id is None else {"node_id": node_id}
        return [codec.load_run(doc) for (doc,) in self._db.rows(prepared, values)]
