"""GlueService: the one entry point of the API, the CLI and the console.

Each Glue resource family is served by its own module, built with the store role it uses:
jobs.py, runs.py, tags.py (RunStore), triggers.py (TriggerStore), bookmarks.py
(BookmarkStore); the Data Catalog's catalog.py with partitions.py and connections.py
(CatalogStore); logs.py (LogStore), which the app builds beside this. The facade assembles
them over one set of roles and offers each operation under its Glue name: callers pass model
values and get model values back; wire names live in api/shapes.py. The service talks to the
engine only through the store.
"""

from __future__ import annotations

from gluerun.clock import Clock
from gluerun.model.runs import ACTIVE
from gluerun.service.bookmarks import BookmarkService
from gluerun.service.catalog import CatalogService
from gluerun.service.jobs import JobService
from gluerun.service.runs import RunService
from gluerun.service.tags import TagService
from gluerun.service.triggers import TriggerService
from gluerun.store.catalog import CatalogStore
from gluerun.store.roles import Stores

#: How long a reset waits for runs to stop: store changes or quarter seconds (about 30 s;
#: an engine ends a process within 5 s of SIGTERM).
RESET_POLLS = 120


class GlueService:
    """Glue's operations over the store's roles, each one its family's method."""

    def __init__(
        self,
        store: Stores,
        clock: Clock,
        region: str,
        account_id: str,
        catalog: CatalogStore | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.region = region
        self.account_id = account_id
        #: the Data Catalog operations, on the same database by default
        self.data_catalog = CatalogService(
            catalog if catalog is not None else store.catalog, clock, region, account_id
        )
        self.jobs = JobService(store.runs, clock)
        self.job_runs = RunService(store.runs, clock, self.jobs)
        self.tags = TagService(store.runs, store.triggers, self.data_catalog, region, account_id)
        self.triggers = TriggerService(store.triggers, store.runs, clock)
        self.bookmarks = BookmarkService(store.bookmarks, store.runs)
        self._bind_operations()

    def _bind_operations(self) -> None:
        """Each Glue operation under its own name, bound to the family that serves it."""
        jobs, runs, tags = self.jobs, self.job_runs, self.tags
        self.create_job = jobs.create_job
        self.get_job = jobs.get_job
        self.get_jobs = jobs.get_jobs
        self.list_jobs = jobs.list_jobs
        self.update_job = jobs.update_job
        self.delete_job = jobs.delete_job
        self.batch_get_jobs = jobs.batch_get_jobs
        self.start_job_run = runs.start_job_run
        self.start_job_run_later = runs.start_job_run_later
        self.get_job_run = runs.get_job_run
        self.get_job_runs = runs.get_job_runs
        self.batch_stop_job_run = runs.batch_stop_job_run
        self.get_tags = tags.get_tags
        self.tag_resource = tags.tag_resource
        self.untag_resource = tags.untag_resource
        self.tag_created = tags.tag_created
        triggers, bookmarks = self.triggers, self.bookmarks
        self.create_trigger = triggers.create_trigger
        self.get_trigger = triggers.get_trigger
        self.get_triggers = triggers.get_triggers
        self.list_triggers = triggers.list_triggers
        self.batch_get_triggers = triggers.batch_get_triggers
        self.update_trigger = triggers.update_trigger
        self.start_trigger = triggers.start_trigger
        self.stop_trigger = triggers.stop_trigger
        self.delete_trigger = triggers.delete_trigger
        self.get_job_bookmark = bookmarks.get_job_bookmark
        self.get_job_bookmarks = bookmarks.get_job_bookmarks
        self.reset_job_bookmark = bookmarks.reset_job_bookmark
        self.commit_job_bookmark = bookmarks.commit_job_bookmark

    # -- test-suite reset ---------------------------------------------------------------
    def reset(self, polls: int = RESET_POLLS) -> int:
        """Stop every active run, then delete all state (POST /moto-api/reset, when enabled).

        Runs are asked to stop as BatchStopJobRun asks, and their engines end the processes;
        the wait for that is bounded by `polls` store changes or quarter seconds. Returns how
        many runs were still active when the state was deleted (0 unless an engine is down).
        """
        active = self.store.runs.node_runs(None, ACTIVE)
        for run in active:
            self.store.runs.request_stop(run.launch.job_id, run.id, self.clock.now())
        for _ in range(polls):
            if not active:
                break
            self.store.db.wait_for_change(0.25)
            active = self.store.runs.node_runs(None, ACTIVE)
        self.store.db.reset()
        return len(active)
