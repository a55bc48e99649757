"""JSON documents of jobs and runs as the store keeps them (not the wire format)."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from gluerun.model.jobs import Command, Job
from gluerun.model.runs import JobRun, LaunchSpec, Predecessor, RunState
from gluerun.model.triggers import (
    Action,
    Condition,
    Predicate,
    Trigger,
    TriggerState,
    TriggerType,
)


def dump_job(job: Job) -> str:
    return orjson.dumps(dataclasses.asdict(job)).decode()


def load_job(doc: str) -> Job:
    data: dict[str, Any] = orjson.loads(doc)
    data["command"] = Command(**data["command"])
    return Job(**data)


def dump_run(run: JobRun) -> str:
    return orjson.dumps(dataclasses.asdict(run)).decode()


def load_run(doc: str | bytes) -> JobRun:
    data: dict[str, Any] = orjson.loads(doc)
    data["state"] = RunState(data["state"])
    data["launch"] = LaunchSpec(**data["launch"])
    data["predecessors"] = tuple(Predecessor(**p) for p in data["predecessors"])
    return JobRun(**data)


def dump_trigger(trigger: Trigger) -> str:
    return orjson.dumps(dataclasses.asdict(trigger)).decode()


def load_trigger(doc: str) -> Trigger:
    data: dict[str, Any] = orjson.loads(doc)
    data["type"] = TriggerType(data["type"])
    data["state"] = TriggerState(data["state"])
    data["actions"] = tuple(Action(**a) for a in data["actions"])
    predicate = data.get("predicate")
    if predicate is not None:
        conditions = tuple(
            Condition(c["job_name"], RunState(c["state"])) for c in predicate["conditions"]
        )
        data["predicate"] = Predicate(predicate["logical"], conditions)
    return Trigger(**data)
