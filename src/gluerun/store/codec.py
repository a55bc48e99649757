"""JSON documents of jobs and runs as the store keeps them (not the wire format)."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

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

T = TypeVar("T")


def dump_job(job: Job) -> str:
    return orjson.dumps(job).decode()


def _defaults(cls: type) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


#: Field defaults, for documents written before a field existed.
_RUN_DEFAULTS = _defaults(JobRun)
_JOB_DEFAULTS = _defaults(Job)
_LAUNCH_DEFAULTS = _defaults(LaunchSpec)


def _build(cls: type[T], defaults: dict[str, Any], data: dict[str, Any]) -> T:
    """An instance of a frozen dataclass from trusted stored data, without running its
    __init__: it costs about a third (runs are decoded by the hundred on every page)."""
    obj = object.__new__(cls)
    obj.__dict__.update(defaults)
    obj.__dict__.update(data)
    return obj


def load_job(doc: str) -> Job:
    data: dict[str, Any] = orjson.loads(doc)
    data["command"] = Command(**data["command"])
    return _build(Job, _JOB_DEFAULTS, data)


def dump_run(run: JobRun) -> str:
    return orjson.dumps(run).decode()


_STATES = {state.value: state for state in RunState}


def load_run(doc: str | bytes) -> JobRun:
    data: dict[str, Any] = orjson.loads(doc)
    data["state"] = _STATES[data["state"]]
    data["launch"] = _build(LaunchSpec, _LAUNCH_DEFAULTS, data["launch"])
    preds = data["predecessors"]
    data["predecessors"] = tuple(Predecessor(**p) for p in preds) if preds else ()
    return _build(JobRun, _RUN_DEFAULTS, data)


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
