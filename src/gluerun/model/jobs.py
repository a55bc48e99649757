"""Jobs: the definition gluerun interprets, plus the members it only stores and echoes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Command.Name values Glue documents. CreateJob stores any other name, as Glue does; runs of
#: such a job fail with UNKNOWN_COMMAND_MESSAGE.
PYTHONSHELL = "pythonshell"
GLUEETL = "glueetl"
COMMAND_NAMES = frozenset({PYTHONSHELL, GLUEETL, "gluestreaming", "glueray"})
#: Glue's ErrorMessage for a run of a job whose Command.Name it does not know.
UNKNOWN_COMMAND_MESSAGE = "Could not find command for the given criteria"


@dataclass(frozen=True)
class Command:
    """The job's JobCommand."""

    name: str
    script_location: str | None = None
    python_version: str | None = None
    runtime: str | None = None


@dataclass(frozen=True)
class Job:
    """A job definition. Times are epoch seconds (float)."""

    name: str
    job_id: str
    role: str
    command: Command
    created_on: float
    last_modified_on: float
    default_arguments: Mapping[str, str] = field(default_factory=dict)
    non_overridable_arguments: Mapping[str, str] = field(default_factory=dict)
    max_concurrent_runs: int | None = None
    job_run_queuing_enabled: bool | None = None
    max_retries: int | None = None
    timeout: int | None = None
    max_capacity: float | None = None
    allocated_capacity: int | None = None
    worker_type: str | None = None
    number_of_workers: int | None = None
    glue_version: str | None = None
    notify_delay_after: int | None = None
    execution_class: str | None = None
    security_configuration: str | None = None
    #: members gluerun stores and returns verbatim (Description, Connections, LogUri, ...),
    #: keyed by their wire names; only api/shapes.py reads or writes them
    extras: Mapping[str, Any] = field(default_factory=dict)

    def arn(self, region: str, account: str) -> str:
        return job_arn(region, account, self.name)


def job_arn(region: str, account: str, name: str) -> str:
    """The ARN Glue's tagging operations use for a job."""
    return f"arn:aws:glue:{region}:{account}:job/{name}"


def unsupported_command(name: str) -> str:
    """The ErrorMessage of a run whose Command.Name no executor of this node runs."""
    if name not in COMMAND_NAMES:
        return UNKNOWN_COMMAND_MESSAGE
    return f"Command.Name {name!r} is not supported by this gluerun node."
