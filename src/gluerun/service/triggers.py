"""Glue's triggers: CreateTrigger ... BatchGetTriggers; StartTrigger fires an ON_DEMAND one."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from gluerun.clock import Clock
from gluerun.errors import InvalidInput, JobNotFound, TriggerNotFound
from gluerun.model.runs import Predecessor
from gluerun.model.triggers import (
    Trigger,
    TriggerState,
    TriggerType,
    check_trigger,
    first_fire,
    plan_starts,
    watched_jobs,
)
from gluerun.paging import decode_token, encode_token, page_size
from gluerun.store.roles import RunStore, TriggerStore

#: Glue's default quota of actions (jobs) per trigger.
MAX_ACTIONS = 50


class TriggerService:
    """CreateTrigger, GetTrigger(s), ListTriggers, BatchGetTriggers, UpdateTrigger,
    StartTrigger, StopTrigger, DeleteTrigger. Triggers name jobs, which the RunStore keeps."""

    def __init__(self, triggers: TriggerStore, runs: RunStore, clock: Clock) -> None:
        self.triggers = triggers
        self.runs = runs
        self.clock = clock

    def create_trigger(
        self, trigger: Trigger, tags: Mapping[str, str], start_on_creation: bool
    ) -> str:
        check_trigger(trigger, start_on_creation)
        self._check_actions(trigger)
        now = self.clock.now()
        trigger = dataclasses.replace(
            trigger, created_on=now, state=TriggerState.CREATED, version=0
        )
        if start_on_creation:
            trigger = self._activated(trigger, now)
        self.triggers.create_trigger(trigger, tags)
        return trigger.name

    def _check_actions(self, trigger: Trigger) -> None:
        if len(trigger.actions) > MAX_ACTIONS:
            raise InvalidInput(f"A trigger can start at most {MAX_ACTIONS} jobs.")
        for name in trigger.job_names:
            if self.runs.get_job(name) is None:
                raise JobNotFound(name)
        for name in watched_jobs(trigger.predicate):
            if self.runs.get_job(name) is None:
                raise JobNotFound(name)

    def _activated(self, trigger: Trigger, now: float) -> Trigger:
        """The trigger ACTIVATED: its next tick, and watermarks so only new runs count."""
        return dataclasses.replace(
            trigger,
            state=TriggerState.ACTIVATED,
            next_fire=first_fire(trigger, now),
            watermarks=self.triggers.run_watermarks(watched_jobs(trigger.predicate)),
        )

    def get_trigger(self, name: str) -> Trigger:
        trigger = self.triggers.get_trigger(name)
        if trigger is None:
            raise TriggerNotFound(name)
        return trigger

    def get_triggers(
        self, next_token: str | None, max_results: int | None, dependent_job: str | None
    ) -> tuple[list[Trigger], str | None]:
        return self._trigger_page(next_token, max_results, dependent_job, None)

    def list_triggers(
        self,
        next_token: str | None,
        max_results: int | None,
        dependent_job: str | None,
        tags: Mapping[str, str] | None,
    ) -> tuple[list[str], str | None]:
        found, token = self._trigger_page(next_token, max_results, dependent_job, tags)
        return [t.name for t in found], token

    def _trigger_page(
        self,
        token: str | None,
        max_results: int | None,
        dependent_job: str | None,
        tags: Mapping[str, str] | None,
    ) -> tuple[list[Trigger], str | None]:
        limit = page_size(max_results)
        after = decode_token(token, "trigger")
        if dependent_job:
            # Glue's documented quirk: the triggers that can start the job, or, if there are
            # none, all triggers.
            everything = self.triggers.list_triggers(None, 1_000_000, tags or None)
            starting = [t for t in everything if dependent_job in t.job_names]
            chosen = [t for t in (starting or everything) if after is None or t.name > after]
        else:
            chosen = self.triggers.list_triggers(after, limit + 1, tags or None)
        if len(chosen) > limit:
            return chosen[:limit], encode_token("trigger:" + chosen[limit - 1].name)
        return chosen, None

    def batch_get_triggers(self, names: Sequence[str]) -> tuple[list[Trigger], list[str]]:
        found, missing = [], []
        for name in dict.fromkeys(names):
            trigger = self.triggers.get_trigger(name)
            if trigger is None:
                missing.append(name)
            else:
                found.append(trigger)
        return found, missing

    def update_trigger(self, name: str, update: Trigger) -> Trigger:
        """Replace description, schedule, actions and predicate; type and state stay."""
        current = self.get_trigger(name)
        replacement = dataclasses.replace(
            current,
            description=update.description,
            schedule=update.schedule if update.schedule is not None else current.schedule,
            actions=update.actions or current.actions,
            predicate=update.predicate if update.predicate is not None else current.predicate,
        )
        check_trigger(replacement)
        self._check_actions(replacement)
        if replacement.state is TriggerState.ACTIVATED:
            replacement = self._activated(replacement, self.clock.now())
        return self.triggers.replace_trigger(replacement, current.version)

    def start_trigger(self, name: str) -> str:
        trigger = self.get_trigger(name)
        if trigger.type is TriggerType.ON_DEMAND:
            self._fire_now(trigger, ())
        elif trigger.state is not TriggerState.ACTIVATED:
            self.triggers.replace_trigger(
                self._activated(trigger, self.clock.now()), trigger.version
            )
        return name

    def _fire_now(self, trigger: Trigger, predecessors: tuple[Predecessor, ...]) -> None:
        jobs = {job: self.runs.get_job(job) for job in trigger.job_names}
        starts = plan_starts(trigger, jobs, predecessors, self.clock.now())
        if self.triggers.fire_trigger(trigger, trigger, starts) is None:
            raise InvalidInput(f"Trigger {trigger.name} changed while starting; try again.")

    def stop_trigger(self, name: str) -> str:
        trigger = self.get_trigger(name)
        if trigger.type is TriggerType.ON_DEMAND:
            raise InvalidInput("ON_DEMAND triggers are never activated, so they cannot be stopped.")
        stopped = dataclasses.replace(trigger, state=TriggerState.DEACTIVATED, next_fire=None)
        self.triggers.replace_trigger(stopped, trigger.version)
        return name

    def delete_trigger(self, name: str) -> str:
        self.triggers.delete_trigger(name)
        return name
