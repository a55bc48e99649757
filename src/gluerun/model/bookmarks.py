"""Job bookmark entries: one per update, counters as Glue keeps them (pure)."""

from __future__ import annotations

from dataclasses import dataclass

#: The bookmark of a job that was reset: no transformation_ctx has any state.
EMPTY = "{}"


@dataclass(frozen=True)
class BookmarkEntry:
    """One version of a job's bookmark. `bookmark` is the JSON string keyed by
    transformation_ctx that job scripts read and write; gluerun never parses it."""

    job_name: str
    version: int
    run: int
    attempt: int
    run_id: str | None
    previous_run_id: str | None
    bookmark: str


def committed(
    previous: BookmarkEntry | None, job_name: str, run_id: str, attempt: int, bookmark: str
) -> BookmarkEntry:
    """The entry a successful run's commit writes on top of `previous`.

    Version grows with every update; Run with every committed run; Attempt is the committing
    run's attempt (above 0 only when the run follows a failed attempt).
    """
    return BookmarkEntry(
        job_name=job_name,
        version=(previous.version if previous else 0) + 1,
        run=(previous.run if previous else 0) + 1,
        attempt=attempt,
        run_id=run_id,
        previous_run_id=previous.run_id if previous else None,
        bookmark=bookmark,
    )


def reset(previous: BookmarkEntry, to: BookmarkEntry | None) -> BookmarkEntry:
    """ResetJobBookmark: back to nothing processed, or (rewind) to the state after `to`."""
    return BookmarkEntry(
        job_name=previous.job_name,
        version=previous.version + 1,
        run=previous.run,
        attempt=0,
        run_id=to.run_id if to else None,
        previous_run_id=previous.run_id,
        bookmark=to.bookmark if to else EMPTY,
    )
