"""Glue's job bookmarks: GetJobBookmark(s), ResetJobBookmark, and the commit job processes call."""

from __future__ import annotations

from gluerun.errors import (
    BookmarkNotFound,
    ConcurrentModification,
    InvalidInput,
    JobNotFound,
    RunNotFound,
)
from gluerun.model import bookmarks
from gluerun.model.bookmarks import BookmarkEntry
from gluerun.model.jobs import Job
from gluerun.model.runs import RunState
from gluerun.store.roles import BookmarkStore, RunStore

#: GetJobBookmarks page size when the caller sets none.
DEFAULT_BOOKMARK_PAGE = 100


class BookmarkService:
    """GetJobBookmark, ResetJobBookmark, GetJobBookmarks and gluerun's CommitJobBookmark.
    Bookmarks belong to jobs and runs, which the RunStore keeps."""

    def __init__(self, bookmarks: BookmarkStore, runs: RunStore) -> None:
        self.bookmarks = bookmarks
        self.runs = runs

    def _job(self, name: str) -> Job:
        job = self.runs.get_job(name)
        if job is None:
            raise JobNotFound(name)
        return job

    def get_job_bookmark(self, job_name: str, run_id: str | None) -> BookmarkEntry:
        self._job(job_name)
        if run_id:
            entry = self.bookmarks.bookmark_of_run(job_name, run_id)
            if entry is None:
                raise BookmarkNotFound(job_name, run_id)
            return entry
        latest = self.bookmarks.latest_bookmark(job_name)
        if latest is None:
            raise BookmarkNotFound(job_name, None)
        return latest

    def reset_job_bookmark(self, job_name: str, run_id: str | None) -> BookmarkEntry:
        """Without RunId the next run starts from nothing; with it, from the state after it."""
        self._job(job_name)
        target = self.get_job_bookmark(job_name, run_id) if run_id else None
        latest = self.bookmarks.latest_bookmark(job_name)
        if latest is None:
            latest = BookmarkEntry(job_name, 0, 0, 0, None, None, bookmarks.EMPTY)
        entry = bookmarks.reset(latest, target)
        self.bookmarks.put_bookmark(entry)
        return entry

    def get_job_bookmarks(
        self, job_name: str, max_results: int | None, next_token: int | None
    ) -> tuple[list[BookmarkEntry], int]:
        """Entries by decreasing Version; the token is 1 when all were returned, else the
        1-based number of the next page (the Job Runs API page's integer tokens)."""
        self._job(job_name)
        size = max_results or DEFAULT_BOOKMARK_PAGE
        page = next_token if next_token and next_token > 1 else 1
        found = self.bookmarks.bookmarks(job_name, (page - 1) * size, size + 1)
        if len(found) > size:
            return found[:size], page + 1
        return found, 1

    def commit_job_bookmark(
        self, job_name: str, run_id: str, base_version: int, bookmark: str
    ) -> BookmarkEntry:
        """A running job's Job.commit(): the next version, if nobody committed since
        `base_version` (the version its Job.init loaded)."""
        job = self._job(job_name)
        run = self.runs.get_run(job.job_id, run_id)
        if run is None:
            raise RunNotFound(job_name, run_id)
        if run.state is not RunState.RUNNING:
            raise InvalidInput(f"Job run {run_id} is {run.state.value}; only running runs commit.")
        previous = self.bookmarks.latest_bookmark(job_name)
        entry = bookmarks.committed(previous, job_name, run_id, run.attempt, bookmark)
        if entry.version != base_version + 1:
            raise ConcurrentModification(
                f"GLUE_JOB_BOOKMARK_VERSION_MISMATCH_ERROR: job {job_name} bookmark is at "
                f"version {entry.version - 1}; this run loaded version {base_version}."
            )
        self.bookmarks.put_bookmark(entry)  # checks the version again, atomically
        return entry
