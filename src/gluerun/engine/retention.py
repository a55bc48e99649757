"""Run retention: finished runs older than the retention go, with their directories, logs and
events, as Glue forgets job runs after a while (docs/behaviour.md).

A sweep runs at most once an hour, off the engine's loop (deleting thousands of directories
must not hold up launches), a batch at a time: each run's directory first, then its row and
log streams in one transaction, so a crash never leaves a directory behind without a row that
leads to it.
"""

from __future__ import annotations

import logging
import shutil
import threading
from concurrent.futures import Executor
from pathlib import Path

from gluerun.clock import Clock
from gluerun.store.roles import RetentionStore

log = logging.getLogger(__name__)

#: how often a sweep may run
SWEEP_INTERVAL = 3600.0
#: runs deleted per transaction
BATCH = 500
DAY = 86400.0


class RunRetention:
    """Deletes this node's finished runs older than `days` (0: keep them forever)."""

    def __init__(
        self, retention: RetentionStore, clock: Clock, runs_dir: Path, node_id: str, days: int
    ) -> None:
        self.retention = retention
        self.clock = clock
        self.runs_dir = runs_dir
        self.node_id = node_id
        self.days = days
        self._next = 0.0
        self._busy = threading.Lock()

    def tick(self, pool: Executor) -> None:
        """Start a sweep on `pool` when one is due and none is running."""
        now = self.clock.now()
        if self.days <= 0 or now < self._next or self._busy.locked():
            return
        self._next = now + SWEEP_INTERVAL
        pool.submit(self._sweep_logged)

    def _sweep_logged(self) -> None:
        try:
            self.sweep()
        except Exception:
            log.exception("run retention sweep failed")

    def sweep(self) -> int:
        """Delete every run past the retention now; returns how many went."""
        with self._busy:
            before = self.clock.now() - self.days * DAY
            total = 0
            while True:
                ids = self.retention.expired_runs(before, self.node_id, BATCH)
                for run_id in ids:
                    shutil.rmtree(self.runs_dir / run_id, ignore_errors=True)
                total += self.retention.delete_runs(ids)
                if len(ids) < BATCH:
                    break
            self.retention.expire_events(before)
            if total:
                log.info("run retention: deleted %d runs started before %.0f", total, before)
            return total
