"""Row writes of jobs, runs and tags, inside a transaction some store family opened.

Every write of a run goes through the functions here (SqlRuns' and SqlTriggers' alike), so
that the events table and the per-job admission counters move in the same transaction as the
run itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Select, bindparam, delete, select, update

from gluerun.errors import ConcurrentRunsExceeded, JobNotFound
from gluerun.model import policies, starts
from gluerun.model.jobs import Job
from gluerun.model.runs import SLOT_HOLDING, JobRun, RunState
from gluerun.model.triggers import Start
from gluerun.store import codec
from gluerun.store.base import StopOutcome
from gluerun.store.database import row_locks
from gluerun.store.fastread import InTransaction
from gluerun.store.sql_events import record_state_change
from gluerun.store.tables import jobs, runs
from gluerun.store.tables import tags as tag_rows

T = TypeVar("T", bound=tuple[Any, ...])


def job_row(job: Job) -> dict[str, Any]:
    return {
        "name": job.name,
        "job_id": job.job_id,
        "max_concurrent_runs": policies.max_concurrent_runs(job),
        "created_on": job.created_on,
        "doc": codec.dump_job(job),
    }


def put_tags(conn: Connection, kind: str, name: str, tags: Mapping[str, str]) -> None:
    for key, value in tags.items():
        conn.execute(
            delete(tag_rows).where(
                tag_rows.c.kind == kind, tag_rows.c.name == name, tag_rows.c.key == key
            )
        )
        conn.execute(tag_rows.insert().values(kind=kind, name=name, key=key, value=value))


def tagged(
    query: Select[T], kind: str, name: ColumnElement[str], tags: Mapping[str, str]
) -> Select[T]:
    """`query` narrowed to the resources (of `kind`, named by `name`) carrying every tag."""
    for key, value in tags.items():
        query = query.where(
            select(tag_rows.c.key)
            .where(tag_rows.c.kind == kind, tag_rows.c.name == name)
            .where(tag_rows.c.key == key, tag_rows.c.value == value)
            .exists()
        )
    return query


def insert_run(conn: Connection, run: JobRun) -> None:
    record_state_change(conn, run)
    count_move(conn, run.launch.job_id, None, run.state)
    _INSERT_RUN.rows(
        conn,
        {
            "id": run.id,
            "job_id": run.launch.job_id,
            "state": run.state.value,
            "node_id": run.node_id,
            "started_on": run.started_on,
            "doc": codec.dump_run(run),
        },
    )


def write_run(conn: Connection, run: JobRun, old: RunState) -> None:
    record_state_change(conn, run)
    count_move(conn, run.launch.job_id, old, run.state)
    conn.execute(
        update(runs)
        .where(runs.c.id == run.id)
        .values(state=run.state.value, node_id=run.node_id, doc=codec.dump_run(run))
    )


def runs_where(conn: Connection, *cond: Any, lock: bool = False) -> list[JobRun]:
    query = select(runs.c.doc).where(*cond).order_by(runs.c.seq)
    if lock:
        query = query.with_for_update()
    return [codec.load_run(doc) for doc in conn.execute(query).scalars()]


#: Prepared once, run on the driver's cursor: StartJobRun makes each of them, and SQLAlchemy's
#: execute costs more than the statement.
_JOB_SLOT_COLUMNS = (
    jobs.c.job_id,
    jobs.c.max_concurrent_runs,
    jobs.c.slot_runs,
    jobs.c.waiting_runs,
)
_JOB_SLOTS_SELECT = select(*_JOB_SLOT_COLUMNS).where(jobs.c.job_id == bindparam("job_id"))
_JOB_SLOTS = InTransaction(_JOB_SLOTS_SELECT)
_JOB_SLOTS_FOR_UPDATE = InTransaction(_JOB_SLOTS_SELECT.with_for_update())
_JOB_SLOT_NAMES = tuple(column.name for column in _JOB_SLOT_COLUMNS)
_INSERT_RUN = InTransaction(
    runs.insert(), ["id", "job_id", "state", "node_id", "started_on", "doc"]
)


def swap_run(
    conn: Connection, run: JobRun, old: RunState | None, guard: ColumnElement[bool] | None = None
) -> bool:
    """Write `run` if its row is still in state `old` (and `guard` holds: a node's fence)."""
    cond = [runs.c.id == run.id, runs.c.state == (old.value if old else None)]
    if guard is not None:
        cond.append(guard)
    result = conn.execute(
        update(runs)
        .where(*cond)
        .values(state=run.state.value, node_id=run.node_id, doc=codec.dump_run(run))
    )
    return result.rowcount == 1


def count_move(conn: Connection, job_id: str, old: RunState | None, new: RunState | None) -> None:
    """Keep the job's counts of slot-holding and waiting runs, which admission reads."""
    slots = (new in SLOT_HOLDING) - (old in SLOT_HOLDING)
    waiting = (new is RunState.WAITING) - (old is RunState.WAITING)
    if slots or waiting:
        _MOVE_COUNTS.rows(conn, {"of_job": job_id, "slots": slots, "waiting": waiting})


_MOVE_COUNTS = InTransaction(
    update(jobs)
    .where(jobs.c.job_id == bindparam("of_job"))
    .values(
        slot_runs=jobs.c.slot_runs + bindparam("slots"),
        waiting_runs=jobs.c.waiting_runs + bindparam("waiting"),
    )
)


def stop(conn: Connection, run: JobRun, now: float, reason: str | None) -> StopOutcome:
    """Queued runs stop at once; started ones go to STOPPING for their engine to end."""
    if run.state is RunState.WAITING:
        message = reason or "Job run stopped before it left the queue."
        write_run(conn, run.with_state(RunState.STOPPED, now, error_message=message), run.state)
        return StopOutcome.STOPPED_WAITING
    changes = {"error_message": reason} if reason else {}
    stopping = run.with_state(RunState.STOPPING, now, **changes)
    write_run(conn, stopping, run.state)
    if run.node_id is None:
        # No engine claimed it, so it has no process, and no engine would ever look at a
        # STOPPING run it does not own: it ends here (else it stays STOPPING, holding a slot).
        message = reason or "Job run stopped by BatchStopJobRun."
        stopped = stopping.with_state(RunState.STOPPED, now, error_message=message)
        write_run(conn, stopped, RunState.STOPPING)
    return StopOutcome.ACCEPTED


def admit_job(
    conn: Connection, job: Mapping[str, Any] | None, job_id: str, now: float
) -> list[JobRun]:
    """Start the oldest WAITING runs of the job that fit its free slots: reads only those."""
    if job is None:
        return []
    free = job["max_concurrent_runs"] - job["slot_runs"]
    if free <= 0:
        return []
    admitted = []
    for doc in conn.execute(_OLDEST_WAITING, {"job_id": job_id, "limit": free}).scalars():
        run = codec.load_run(doc)
        started = run.with_state(RunState.STARTING, now, admitted_on=now, state_detail=None)
        write_run(conn, started, RunState.WAITING)
        admitted.append(started)
    return admitted


_OLDEST_WAITING = (
    select(runs.c.doc)
    .where(runs.c.job_id == bindparam("job_id"), runs.c.state == RunState.WAITING.value)
    .order_by(runs.c.seq)
    .limit(bindparam("limit"))
)


def lock_job(conn: Connection, job_id: str) -> Mapping[str, Any] | None:
    """The job's admission counters, row-locked where the database has row locks."""
    query = _JOB_SLOTS_FOR_UPDATE if row_locks(conn) else _JOB_SLOTS
    found = query.rows(conn, {"job_id": job_id})
    return dict(zip(_JOB_SLOT_NAMES, found[0], strict=True)) if found else None


def admit_in(conn: Connection, start: Start, strict: bool) -> JobRun:
    """Admit one new run against its job's others and insert it, in `conn`'s transaction.

    strict (StartJobRun): a missing job or a full job raises. Otherwise (triggers): the
    run is inserted ERROR or FAILED instead, as Glue records them.
    """
    run = start.run
    job = None if run.state is RunState.ERROR else lock_job(conn, run.launch.job_id)
    if run.state is not RunState.ERROR and job is None:
        if strict:
            raise JobNotFound(run.job_name)
        run = starts.job_vanished(run)
    if run.state is RunState.ERROR:
        insert_run(conn, run)
        return run
    counts = job or {"slot_runs": 0, "waiting_runs": 0}
    active, waiting = counts["slot_runs"], counts["waiting_runs"]
    decision = policies.admit(active, waiting, start.limit, start.queuing)
    if decision is policies.Admission.REJECT and strict:
        raise ConcurrentRunsExceeded(run.job_name)
    run = starts.admitted(run, decision)
    insert_run(conn, run)
    return run


def delete_tags(conn: Connection, kind: str, name: str) -> None:
    """Delete every tag of one resource (it is being deleted)."""
    conn.execute(delete(tag_rows).where(tag_rows.c.kind == kind, tag_rows.c.name == name))
