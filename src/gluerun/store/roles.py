"""The store's roles: one narrow protocol per family of durable state, and the bundle of them.

The store is the only channel between the API side (service) and the engine. Each consumer
is typed against the role(s) it uses (the log collector a LogStore, webhooks an EventStore,
...). Every method is one transaction. Writes that the engine must react to wake
`Changes.wait_for_change` waiters in this process; other processes notice on their next poll.
Driver errors surface as StoreError (AlreadyExists for a unique key taken).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from gluerun.model.bookmarks import BookmarkEntry
from gluerun.model.events import StoredEvent
from gluerun.model.jobs import Job
from gluerun.model.logs import LogEvent, LogGroup, LogStream
from gluerun.model.runs import JobRun, RunState
from gluerun.model.triggers import Start, Trigger, TriggerType
from gluerun.store.base import Fence, NodeLease, RunPage, StopOutcome
from gluerun.store.catalog import CatalogStore

if TYPE_CHECKING:
    from gluerun.store.database import Database


class RunStore(Protocol):
    """Jobs, their runs (admission, claims, compare-and-set moves) and resource tags."""

    # -- jobs ---------------------------------------------------------------------------
    def create_job(self, job: Job, tags: Mapping[str, str]) -> None:
        """Insert a job and its tags. Raises AlreadyExists if the name is taken."""
        ...

    def get_job(self, name: str) -> Job | None:
        """The job named `name`, or None (a prepared read: cheap enough for the event loop
        when `Changes.inline_reads`)."""
        ...

    def list_jobs(
        self, after: str | None, limit: int, tags: Mapping[str, str] | None = None
    ) -> list[Job]:
        """Jobs by name ascending, after `after`; with `tags`, only jobs carrying all of them."""
        ...

    def replace_job(self, job: Job) -> None:
        """Overwrite a job's definition. Raises EntityNotFound if it does not exist."""
        ...

    def delete_job(self, name: str, now: float) -> bool:
        """Delete a job, its tags and bookmarks; its active runs are asked to stop (queued
        and unclaimed ones end STOPPED at once). False if it did not exist."""
        ...

    # -- tags (of jobs, triggers and Data Catalog resources, by kind) ----------------------
    def get_tags(self, kind: str, name: str) -> dict[str, str]:
        """The tags of resource `name` of `kind` ("job", "trigger", "database", ...)."""
        ...

    def tag_resource(self, kind: str, name: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite tags; the resource's other tags stay."""
        ...

    def untag_resource(self, kind: str, name: str, keys: Collection[str]) -> None:
        """Remove the tags with these keys; absent keys are ignored."""
        ...

    # -- runs: the API side ---------------------------------------------------------------
    def start_run(self, run: JobRun, limit: int, queuing: bool) -> JobRun:
        """Admit and insert a new run atomically against the job's other runs.

        The run is inserted STARTING when a slot is free, WAITING when queuing is on and no
        slot is free. Raises ConcurrentRunsExceeded otherwise, EntityNotFound when the job
        is gone, AlreadyExists on a duplicate id. Returns the run as inserted.
        """
        ...

    def start_run_later(self, run: JobRun, limit: int, queuing: bool) -> Future[JobRun]:
        """`start_run` without waiting: the Future holds what it returns or raises. On SQLite
        the writer's thread settles it (the event loop awaits it rather than block a worker
        thread); elsewhere the write is made now and the Future is already done."""
        ...

    def get_run(self, job_id: str, run_id: str) -> JobRun | None:
        """One run of the job with id `job_id`, or None (a prepared read, as get_job)."""
        ...

    def list_runs(self, job_id: str, cursor: int | None, limit: int) -> RunPage:
        """A job's runs newest first, starting at `cursor` (from a previous page)."""
        ...

    def request_stop(self, job_id: str, run_id: str, now: float) -> StopOutcome:
        """Ask a run to stop; returns what it found. A queued run, or one no engine
        claimed, ends STOPPED at once; a claimed one goes STOPPING for its engine to end."""
        ...

    # -- runs: the engine side ------------------------------------------------------------
    def insert_run(self, run: JobRun) -> None:
        """Insert a run as it is (retries). Raises AlreadyExists on a duplicate id."""
        ...

    def claim_runs(self, node_id: str, limit: int, fence: Fence | None = None) -> list[JobRun]:
        """Take up to `limit` unclaimed STARTING runs for this node, oldest first.

        With `fence`, nothing is claimed once that epoch was taken over."""
        ...

    def admit_waiting(self, now: float) -> list[JobRun]:
        """Move queued runs to STARTING where their job has a free slot; returns them."""
        ...

    def update_run(
        self,
        run: JobRun,
        expected: Collection[RunState],
        fence: Fence | None = None,
        retry: JobRun | None = None,
    ) -> bool:
        """Write `run` if the stored run is still in one of `expected` (compare-and-set), and,
        with `fence`, if that epoch was not taken over (checked in the same statement).
        True if written; a final state records its state-change event in the same write.
        `retry` (its next attempt) is inserted in the same transaction, only if `run` was
        written: a node lost between the two cannot leave a failed run without its retry."""
        ...

    def node_runs(self, node_id: str | None, states: Collection[RunState]) -> list[JobRun]:
        """Runs in `states` (any set of states) claimed by `node_id` (None: by any node or
        none), oldest first. A prepared read."""
        ...


class TriggerStore(Protocol):
    """Trigger definitions, their due schedules, and fires claimed exactly once."""

    def create_trigger(self, trigger: Trigger, tags: Mapping[str, str]) -> None:
        """Insert a trigger and its tags. Raises AlreadyExists if the name is taken."""
        ...

    def get_trigger(self, name: str) -> Trigger | None: ...

    def list_triggers(
        self, after: str | None, limit: int, tags: Mapping[str, str] | None = None
    ) -> list[Trigger]:
        """Triggers by name ascending, after `after`; with `tags`, only those carrying all."""
        ...

    def replace_trigger(self, trigger: Trigger, expected_version: int) -> Trigger:
        """Compare-and-set on version; returns the trigger as written (version bumped).
        Raises ConcurrentModification when it moved."""
        ...

    def delete_trigger(self, name: str) -> bool:
        """Delete a trigger and its tags; False if it did not exist."""
        ...

    def active_triggers(self, kind: TriggerType, due_by: float | None = None) -> list[Trigger]:
        """ACTIVATED triggers of `kind`; with `due_by`, only those whose next fire has come."""
        ...

    def newest_trigger_runs(self, job_names: Collection[str]) -> dict[str, tuple[int, JobRun]]:
        """Per job: its newest finished run that a trigger started, with its sequence."""
        ...

    def run_watermarks(self, job_names: Collection[str]) -> dict[str, int]:
        """Per job: the sequence of its newest run, so older runs never fire a new trigger."""
        ...

    def fire_trigger(
        self, before: Trigger, after: Trigger, starts: Sequence[Start]
    ) -> list[JobRun] | None:
        """Claim one fire (moving `before` to `after`) and admit its runs atomically; None
        if already claimed. A start refused by MaxConcurrentRuns is inserted FAILED, one of
        a job that is gone ERROR."""
        ...


class LogStore(Protocol):
    """CloudWatch-like log groups, streams and events."""

    def append_log_events(
        self,
        group: str,
        stream: str,
        events: Sequence[tuple[int, str]],
        now_ms: int,
        source_bytes: int | None = None,
        offset_group: str | None = None,
        fence: Fence | None = None,
    ) -> bool:
        """Append (timestamp ms, message) events; the stream is created on its first event.

        `source_bytes` is recorded on the stream of the same name in `offset_group` (default:
        `group`), in the same transaction: two files feeding one stream keep two offsets.
        With `fence` (an engine writing a run's log), nothing is written once that epoch was
        taken over. False when refused."""
        ...

    def append_log_lines(
        self,
        group: str,
        stream: str,
        timestamp: int,
        messages: Sequence[str],
        now_ms: int,
        source_bytes: int | None = None,
        offset_group: str | None = None,
        fence: Fence | None = None,
    ) -> bool:
        """append_log_events of `messages`, all stamped `timestamp` (a collector's batch)."""
        ...

    def log_stream(self, group: str, stream: str) -> LogStream | None: ...

    def log_groups(self, prefix: str | None, after: str | None, limit: int) -> list[LogGroup]:
        """Groups by name ascending, after `after`, whose name starts with `prefix`."""
        ...

    def log_streams(
        self,
        group: str,
        prefix: str | None,
        by_last_event: bool,
        descending: bool,
        offset: int,
        limit: int,
    ) -> list[LogStream]:
        """A group's streams, by name or by last event time, from `offset`."""
        ...

    def read_log_events(
        self,
        group: str,
        stream: str,
        *,
        after: int | None = None,
        before: int | None = None,
        start: int | None = None,
        end: int | None = None,
        limit: int,
        newest: bool,
    ) -> list[LogEvent]:
        """Events of one stream in seq order: the first `limit` with seq >= `after`, or with
        `newest` the last `limit` (with seq < `before`), within [start, end) ms."""
        ...

    def filter_log_events(
        self,
        group: str,
        streams: Sequence[str] | None,
        prefix: str | None,
        *,
        after: int | None,
        start: int | None,
        end: int | None,
        limit: int,
        matches: Callable[[str], bool],
        scan: int = 10_000,
        max_bytes: int | None = None,
    ) -> tuple[list[LogEvent], int | None]:
        """Matching events after `after` (at most `limit`, and once past the first, no more
        than `max_bytes` of messages at 26 bytes overhead each), and the last seq scanned."""
        ...

    def expire_logs(self, before_ms: int) -> int:
        """Delete events ingested before `before_ms`, and streams left empty; returns count."""
        ...


class EventStore(Protocol):
    """Run events (for webhooks and the event feed) and the figures metrics read."""

    def record_event(self, detail_type: str, detail: dict[str, Any], time: float) -> None:
        """Append an event other than a run's state change (those are recorded by the run
        write itself)."""
        ...

    def events_after(self, seq: int, limit: int) -> list[StoredEvent]:
        """Up to `limit` events with a sequence above `seq`, in order."""
        ...

    def webhook_cursor(self, url: str) -> int:
        """The sequence of the last event delivered to `url` (0: none yet)."""
        ...

    def advance_webhook(self, url: str, old: int, new: int) -> bool:
        """Move a webhook's cursor from `old` to `new`; False if another node moved it."""
        ...

    def job_names(self) -> set[str]:
        """The names of every job that exists (cheap: no documents are read)."""
        ...

    def run_counts(self) -> list[tuple[str, str, int]]:
        """(job name, state, runs) over every job that exists."""
        ...

    def queue_depth(self) -> tuple[int, int]:
        """(runs WAITING in job queues, runs STARTING that no engine has claimed yet)."""
        ...


class BookmarkStore(Protocol):
    """Job bookmarks: versioned entries per job, written by compare-and-set on Version."""

    def latest_bookmark(self, job_name: str) -> BookmarkEntry | None: ...

    def bookmark_of_run(self, job_name: str, run_id: str) -> BookmarkEntry | None:
        """The newest entry a run wrote (or rewound to)."""
        ...

    def bookmarks(self, job_name: str, offset: int, limit: int) -> list[BookmarkEntry]:
        """Entries by decreasing Version."""
        ...

    def put_bookmark(self, entry: BookmarkEntry) -> None:
        """Add the next version; ConcurrentModification if someone else added it first."""
        ...


class NodeStore(Protocol):
    """Engine nodes' leases and epochs (the fences their run writes carry)."""

    def join_node(self, node_id: str, now: float, lease_seconds: float) -> Fence:
        """Start a new epoch of `node_id` with a fresh lease; its older epochs are fenced out."""
        ...

    def renew_lease(self, fence: Fence, now: float, lease_seconds: float) -> bool:
        """Extend the lease of `fence`'s epoch; False once that epoch was taken over."""
        ...

    def expired_nodes(self, now: float) -> list[NodeLease]:
        """Live nodes whose lease ran out before `now`."""
        ...

    def take_over_node(self, lost: Fence, now: float) -> bool:
        """Mark `lost` lost and fence its epoch out, if its lease still ran out; True if won."""
        ...

    def list_nodes(self) -> list[NodeLease]:
        """Every node that ever joined, by id."""
        ...


class RetentionStore(Protocol):
    """Deleting what is past its retention: finished runs (with their logs) and events."""

    def expired_runs(self, before: float, node_id: str, limit: int) -> list[str]:
        """Finished runs started before `before` that `node_id` ran (or no node did)."""
        ...

    def delete_runs(self, run_ids: Collection[str]) -> int:
        """Delete finished runs with their log streams; returns how many runs went."""
        ...

    def expire_events(self, before: float) -> int:
        """Delete events older than `before` (epoch seconds); returns how many went."""
        ...


class Changes(Protocol):
    """Change notification within this process (other processes poll)."""

    @property
    def inline_reads(self) -> bool:
        """True when reads are local and take microseconds, so a caller may skip a thread hop."""
        ...

    def wait_for_change(self, timeout: float) -> bool:
        """Block until a run-affecting write happens here or `timeout` passes."""
        ...

    def notify(self) -> None:
        """Wake `wait_for_change` waiters."""
        ...


@dataclass(frozen=True)
class Stores:
    """Every role of one database, as `store.open_store` assembles them."""

    runs: RunStore
    triggers: TriggerStore
    logs: LogStore
    events: EventStore
    bookmarks: BookmarkStore
    nodes: NodeStore
    retention: RetentionStore
    catalog: CatalogStore
    #: the database itself: transactions, change notification (a Changes), reset and close
    db: Database

    def close(self) -> None:
        self.db.close()
