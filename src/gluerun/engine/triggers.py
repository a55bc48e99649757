"""Firing SCHEDULED and CONDITIONAL triggers: each pass reads the store and claims fires in it.

A scheduled trigger fires when its next tick has come; the claim moves `next_fire` to the tick
after *now*, so ticks missed while no engine ran fire once, not once per missed tick. A
conditional trigger fires when its predicate holds over runs newer than its watermarks.
"""

from __future__ import annotations

import dataclasses
import logging

from gluerun.clock import Clock
from gluerun.model import cron
from gluerun.model.runs import Predecessor
from gluerun.model.triggers import Trigger, TriggerType, evaluate, plan_starts, watched_jobs
from gluerun.store.roles import RunStore, TriggerStore

log = logging.getLogger(__name__)


class TriggerFirer:
    """Fires the triggers that are due. Safe to run on several nodes over one store."""

    def __init__(self, runs: RunStore, triggers: TriggerStore, clock: Clock) -> None:
        self.runs = runs
        self.triggers = triggers
        self.clock = clock

    def tick(self) -> None:
        self.fire_schedules()
        self.fire_conditionals()

    def fire_schedules(self) -> None:
        now = self.clock.now()
        for trigger in self.triggers.active_triggers(TriggerType.SCHEDULED, due_by=now):
            following = cron.parse(trigger.schedule or "").next_after(now)
            self._fire(trigger, dataclasses.replace(trigger, next_fire=following), ())

    def fire_conditionals(self) -> None:
        for trigger in self.triggers.active_triggers(TriggerType.CONDITIONAL):
            if trigger.predicate is None:
                continue
            newest = self.triggers.newest_trigger_runs(watched_jobs(trigger.predicate))
            firing = evaluate(trigger.predicate, newest, trigger.watermarks)
            if firing is not None:
                after = dataclasses.replace(trigger, watermarks=firing.watermarks)
                self._fire(trigger, after, firing.predecessors)

    def next_due(self) -> float | None:
        """The earliest next fire of an active scheduled trigger."""
        due = [t.next_fire for t in self.triggers.active_triggers(TriggerType.SCHEDULED)]
        return min((d for d in due if d is not None), default=None)

    def _fire(self, before: Trigger, after: Trigger, predecessors: tuple[Predecessor, ...]) -> None:
        jobs = {name: self.runs.get_job(name) for name in before.job_names}
        starts = plan_starts(before, jobs, predecessors, self.clock.now())
        runs = self.triggers.fire_trigger(before, after, starts)
        if runs is not None:
            log.info(
                "trigger fired",
                extra={
                    "action": "trigger_fire",
                    "trigger": before.name,
                    "runs": [r.id for r in runs],
                },
            )
