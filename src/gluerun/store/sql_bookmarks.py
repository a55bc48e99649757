"""SqlBookmarks: job bookmarks (the BookmarkStore role), written by compare-and-set on Version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from gluerun.errors import ConcurrentModification
from gluerun.model.bookmarks import BookmarkEntry
from gluerun.store.database import Database
from gluerun.store.tables import job_bookmarks


class SqlBookmarks:
    """The BookmarkStore (see roles.BookmarkStore for the contract of each method)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def latest_bookmark(self, job_name: str) -> BookmarkEntry | None:
        with self._db.read() as conn:
            return _latest(conn, job_name)

    def bookmark_of_run(self, job_name: str, run_id: str) -> BookmarkEntry | None:
        """The newest entry a run wrote (or rewound to)."""
        query = (
            select(job_bookmarks)
            .where(job_bookmarks.c.job_name == job_name, job_bookmarks.c.run_id == run_id)
            .order_by(job_bookmarks.c.version.desc())
            .limit(1)
        )
        with self._db.read() as conn:
            row = conn.execute(query).first()
        return _entry(row._mapping) if row else None

    def bookmarks(self, job_name: str, offset: int, limit: int) -> list[BookmarkEntry]:
        """Entries by decreasing Version."""
        query = (
            select(job_bookmarks)
            .where(job_bookmarks.c.job_name == job_name)
            .order_by(job_bookmarks.c.version.desc())
            .offset(offset)
            .limit(limit)
        )
        with self._db.read() as conn:
            return [_entry(row._mapping) for row in conn.execute(query)]

    def put_bookmark(self, entry: BookmarkEntry) -> None:
        """Add `entry` if it is exactly one version above the latest; else
        ConcurrentModification (another run committed first). Nothing is half-written."""
        with self._db.write() as conn:
            latest = _latest(conn, entry.job_name)
            expected = latest.version + 1 if latest else 1
            if entry.version != expected:
                current, base = expected - 1, entry.version - 1
                raise ConcurrentModification(
                    f"GLUE_JOB_BOOKMARK_VERSION_MISMATCH_ERROR: job {entry.job_name} bookmark is "
                    f"at version {current}; this commit was based on version {base}."
                )
            conn.execute(job_bookmarks.insert().values(**_row(entry)))


def delete_job_bookmarks(conn: Connection, job_name: str) -> None:
    """In a write transaction: delete every bookmark entry of a job (it is being deleted)."""
    conn.execute(delete(job_bookmarks).where(job_bookmarks.c.job_name == job_name))


def _latest(conn: Connection, job_name: str) -> BookmarkEntry | None:
    query = (
        select(job_bookmarks)
        .where(job_bookmarks.c.job_name == job_name)
        .order_by(job_bookmarks.c.version.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return _entry(row._mapping) if row else None


def _row(entry: BookmarkEntry) -> dict[str, Any]:
    return {
        "job_name": entry.job_name,
        "version": entry.version,
        "run": entry.run,
        "attempt": entry.attempt,
        "run_id": entry.run_id,
        "previous_run_id": entry.previous_run_id,
        "bookmark": entry.bookmark,
    }


def _entry(row: Any) -> BookmarkEntry:
    return BookmarkEntry(
        job_name=row["job_name"],
        version=row["version"],
        run=row["run"],
        attempt=row["attempt"],
        run_id=row["run_id"],
        previous_run_id=row["previous_run_id"],
        bookmark=row["bookmark"],
    )
