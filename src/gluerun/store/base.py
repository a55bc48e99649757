"""The Store interface: the only channel between the API side (service) and the engine.

Every method is one transaction. Writes that the engine must react to wake `wait_for_change`
waiters in this process; other processes notice on their next poll.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from gluerun.model.bookmarks import BookmarkEntry
from gluerun.model.events import StoredEvent
from gluerun.model.jobs import Job
from gluerun.model.logs import LogEvent, LogGroup, LogStream
from gluerun.model.runs import JobRun, RunState
from gluerun.model.triggers import Start, Trigger, TriggerType


@dataclass(frozen=True)
class RunPage:
    """One page of a job's runs, newest first; `next_cursor` is None on the last page."""

    runs: Sequence[JobRun]
    next_cursor: int | None


@dataclass(frozen=True)
class Fence:
    """A node's epoch: run writes carrying it are refused once the epoch was taken over."""

    node_id: str
    epoch: int


@dataclass(frozen=True)
class NodeLease:
    """A node's row: its current epoch, "live" or "lost", and its lease."""

    fence: Fence
    state: str
    lease_until: float
    heartbeat_on: float
    joined_on: float


class StopOutcome:
    """What a stop request found (values are the ErrorDetail codes where it failed)."""

    #: the run is stopping (or already was)
    ACCEPTED = "accepted"
    #: the run was queued and is now STOPPED
    STOPPED_WAITING = "stopped-waiting"
    NOT_FOUND = "EntityNotFoundException"
    FINISHED = "InvalidInputException"


class Store(Protocol):
    """Durable jobs, runs and tags."""

    @property
    def inline_reads(self) -> bool:
        """True when reads are local and take microseconds, so a caller may skip a thread hop."""
        ...

    # -- jobs ---------------------------------------------------------------------------
    def create_job(self, job: Job, tags: Mapping[str, str]) -> None:
        """Insert a job and its tags. Raises AlreadyExists if the name is taken."""
        ...

    def get_job(self, name: str) -> Job | None: ...

    def list_jobs(
        self, after: str | None, limit: int, tags: Mapping[str, str] | None = None
    ) -> list[Job]:
        """Jobs by name ascending, after `after`; with `tags`, only jobs carrying all of them."""
        ...

    def replace_job(self, job: Job) -> None:
        """Overwrite a job's definition. Raises EntityNotFound if it does not exist."""
        ...

    def delete_job(self, name: str, now: float) -> bool:
        """Delete a job and its tags; its active runs are asked to stop. False if absent."""
        ...

    # -- tags ---------------------------------------------------------------------------
    def get_tags(self, kind: str, name: str) -> dict[str, str]: ...

    def tag_resource(self, kind: str, name: str, tags: Mapping[str, str]) -> None: ...

    def untag_resource(self, kind: str, name: str, keys: Collection[str]) -> None: ...

    # -- runs: the API side ---------------------------------------------------------------
    def start_run(self, run: JobRun, limit: int, queuing: bool) -> JobRun:
        """Admit and insert a new run atomically against the job's other runs.

        The run is inserted STARTING when a slot is free, WAITING when queuing is on and no
        slot is free. Raises ConcurrentRunsExceeded otherwise, AlreadyExists on a duplicate id.
        """
        ...

    def get_run(self, job_id: str, run_id: str) -> JobRun | None: ...

    def list_runs(self, job_id: str, cursor: int | None, limit: int) -> RunPage:
        """A job's runs newest first, starting at `cursor` (from a previous page)."""
        ...

    def request_stop(self, job_id: str, run_id: str, now: float) -> str:
        """Ask a run to stop; returns a StopOutcome value."""
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
        self, run: JobRun, expected: Collection[RunState], fence: Fence | None = None
    ) -> bool:
        """Write `run` if the stored run is still in one of `expected` (compare-and-set), and,
        with `fence`, if that epoch was not taken over (checked in the same statement)."""
        ...

    def node_runs(self, node_id: str | None, states: Collection[RunState]) -> list[JobRun]:
        """Runs in `states` claimed by `node_id` (None: by any node)."""
        ...

    def job_exists(self, job_id: str) -> bool: ...

    def job_names(self) -> set[str]:
        """The names of every job that exists (cheap: no documents are read)."""
        ...

    # -- nodes ------------------------------------------------------------------------
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

    def list_nodes(self) -> list[NodeLease]: ...

    # -- triggers -----------------------------------------------------------------------
    def create_trigger(self, trigger: Trigger, tags: Mapping[str, str]) -> None:
        """Insert a trigger and its tags. Raises AlreadyExists if the name is taken."""
        ...

    def get_trigger(self, name: str) -> Trigger | None: ...

    def list_triggers(
        self, after: str | None, limit: int, tags: Mapping[str, str] | None = None
    ) -> list[Trigger]: ...

    def replace_trigger(self, trigger: Trigger, expected_version: int) -> Trigger:
        """Compare-and-set on version; raises ConcurrentModification when it moved."""
        ...

    def delete_trigger(self, name: str) -> bool: ...

    def active_triggers(self, kind: TriggerType, due_by: float | None = None) -> list[Trigger]: ...

    def newest_trigger_runs(self, job_names: Collection[str]) -> dict[str, tuple[int, JobRun]]: ...

    def run_watermarks(self, job_names: Collection[str]) -> dict[str, int]: ...

    def fire_trigger(
        self, before: Trigger, after: Trigger, starts: Sequence[Start]
    ) -> list[JobRun] | None:
        """Claim one fire and insert its runs atomically; None if already claimed."""
        ...

    # -- logs ---------------------------------------------------------------------------
    def append_log_events(
        self,
        group: str,
        stream: str,
        events: Sequence[tuple[int, str]],
        now_ms: int,
        source_bytes: int | None = None,
        offset_group: str | None = None,
    ) -> None:
        """Append (timestamp ms, message) events; the stream is created on its first event.

        `source_bytes` is recorded on the stream of the same name in `offset_group` (default:
        `group`), in the same transaction: two files feeding one stream keep two offsets."""
        ...

    def log_stream(self, group: str, stream: str) -> LogStream | None: ...

    def log_groups(self, prefix: str | None, after: str | None, limit: int) -> list[LogGroup]: ...

    def log_streams(
        self,
        group: str,
        prefix: str | None,
        by_last_event: bool,
        descending: bool,
        offset: int,
        limit: int,
    ) -> list[LogStream]: ...

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
    ) -> list[LogEvent]: ...

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

    def expire_logs(self, before_ms: int) -> int: ...

    # -- run retention ----------------------------------------------------------------------
    def expired_runs(self, before: float, node_id: str, limit: int) -> list[str]:
        """Finished runs started before `before` that `node_id` ran (or no node did)."""
        ...

    def delete_runs(self, run_ids: Collection[str]) -> int:
        """Delete finished runs with their log streams; returns how many runs went."""
        ...

    def expire_events(self, before: float) -> int: ...

    # -- events and metrics -----------------------------------------------------------------
    def record_event(self, detail_type: str, detail: dict[str, Any], time: float) -> None: ...

    def events_after(self, seq: int, limit: int) -> list[StoredEvent]: ...

    def webhook_cursor(self, url: str) -> int: ...

    def advance_webhook(self, url: str, old: int, new: int) -> bool: ...

    def run_counts(self) -> list[tuple[str, str, int]]: ...

    def queue_depth(self) -> tuple[int, int]: ...

    # -- job bookmarks ----------------------------------------------------------------------
    def latest_bookmark(self, job_name: str) -> BookmarkEntry | None: ...

    def bookmark_of_run(self, job_name: str, run_id: str) -> BookmarkEntry | None: ...

    def bookmarks(self, job_name: str, offset: int, limit: int) -> list[BookmarkEntry]: ...

    def put_bookmark(self, entry: BookmarkEntry) -> None:
        """Add the next version; ConcurrentModification if someone else added it first."""
        ...

    def delete_bookmarks(self, job_name: str) -> None: ...

    # -- change notification --------------------------------------------------------------
    def wait_for_change(self, timeout: float) -> bool:
        """Block until a run-affecting write happens here or `timeout` passes."""
        ...

    def notify(self) -> None:
        """Wake `wait_for_change` waiters."""
        ...

    def reset(self) -> None:
        """Delete every row of every table (jobs, runs, logs, triggers, catalog, ...): the
        test-suite reset. Callers stop active runs first."""
        ...

    def close(self) -> None: ...
