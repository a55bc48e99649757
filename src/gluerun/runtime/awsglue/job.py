"""``Job``: a Glue job's run inside the script (``init`` … ``commit``), on plain PySpark.

``init`` loads the job's bookmark state and ``commit`` saves it (``job-bookmark-enable`` only;
see ``_bookmarks``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import _bookmarks

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from .context import GlueContext

__all__ = ["Job"]


class Job:
    """The current job run, as seen by its script."""

    def __init__(self, glue_context: GlueContext | SparkSession) -> None:
        """A job of `glue_context` (or of a SparkSession, as aws-glue-libs also allows)."""
        self._glue_context = glue_context
        self._name: str | None = None
        self._args: dict[str, Any] = {}
        self._initialized = False
        self._committed = False

    @classmethod
    def continuation_options(cls) -> list[str]:
        return [
            "--continuation-option",
            "continuation-enabled",
            "continuation-readonly",
            "continuation-ignore",
        ]

    @classmethod
    def job_bookmark_options(cls) -> list[str]:
        return [
            "--job-bookmark-option",
            "job-bookmark-enable",
            "job-bookmark-pause",
            "job-bookmark-disable",
        ]

    @classmethod
    def job_bookmark_range_options(cls) -> list[str]:
        return ["--job-bookmark-from", "--job-bookmark-to"]

    @classmethod
    def id_params(cls) -> list[str]:
        return ["--JOB_NAME", "--JOB_ID", "--JOB_RUN_ID", "--SECURITY_CONFIGURATION"]

    @classmethod
    def encryption_type_options(cls) -> list[str]:
        return ["--encryption-type", "sse-s3"]

    @classmethod
    def data_lineage_options(cls) -> list[str]:
        return ["--enable-data-lineage"]

    @property
    def name(self) -> str | None:
        """The name given to `init`."""
        return self._name

    @property
    def args(self) -> Mapping[str, Any]:
        """The resolved arguments given to `init`."""
        return self._args

    def init(self, job_name: str | None, args: Mapping[str, Any] | None = None) -> None:
        """Start the run's job: record its name and resolved arguments."""
        self._name = job_name
        self._args = dict(args or {})
        self._initialized = True
        self._committed = False
        _bookmarks.install(_bookmarks.BookmarkContext.load(job_name, self._args))

    def isInitialized(self) -> bool:
        return self._initialized

    def commit(self) -> None:
        """End the run's job successfully, saving its bookmarks when they are enabled.

        Raises:
            RuntimeError: `init` was not called first, or the server refused the bookmark
                commit (e.g. GLUE_JOB_BOOKMARK_VERSION_MISMATCH_ERROR).
        """
        if not self._initialized:
            raise RuntimeError("Job.commit() called before Job.init()")
        bookmarks = _bookmarks.current()
        if bookmarks is not None:
            bookmarks.commit()
        self._committed = True

    @property
    def committed(self) -> bool:
        """Whether `commit` ran since the last `init`."""
        return self._committed
