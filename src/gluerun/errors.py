"""The one error tree of gluerun. Knows nothing of HTTP: `api/errors.py` maps it to the wire.

Each class's docstring is its meaning and its default message. Leaves carry data, not
formatted strings, where a caller may want the data: `JobNotFound(name)` holds the name, and
`api/errors.py` alone writes Glue's "Job with name: X not found." from it.

::

    GluerunError
     ├─ InvalidInput ─ ValidationFailed, InvalidParameter, RunFinished
     ├─ EntityNotFound ─ JobNotFound, RunNotFound, TriggerNotFound, BookmarkNotFound,
     │                   DatabaseNotFound, TableNotFound, TableVersionNotFound,
     │                   PartitionNotFound, ConnectionNotFound
     ├─ AlreadyExists, ConcurrentRunsExceeded, ResourceNumberLimitExceeded,
     │  ConcurrentModification, InvalidState, IllegalRunTransition
     ├─ ResourceNotFound ─ LogGroupNotFound, LogStreamNotFound
     ├─ ProtocolError ─ UnknownOperation, Serialization, RequestTooLarge
     ├─ StoreError, ExecutorError, ConfigError
     └─ AuthError ─ MissingAuthentication, IncompleteSignature, UnrecognizedClient,
                    InvalidSignature, AccessDenied, HostNotAllowed
"""

from __future__ import annotations

from collections.abc import Sequence


class GluerunError(Exception):
    """Something went wrong in gluerun."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def message(self) -> str:
        return str(self.args[0])


class InvalidInput(GluerunError):
    """The request is not valid."""


class ValidationFailed(InvalidInput):
    """The request breaks a constraint of the service model (pattern, length, range, enum)."""


class EntityNotFound(GluerunError):
    """The entity does not exist."""


class JobNotFound(EntityNotFound):
    """The job does not exist."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class RunNotFound(EntityNotFound):
    """The job has no run with this id (or the job does not exist)."""

    def __init__(self, job_name: str, run_id: str) -> None:
        super().__init__()
        self.job_name = job_name
        self.run_id = run_id


class RunFinished(InvalidInput):
    """The run has already finished: it cannot be stopped."""

    def __init__(self, job_name: str, run_id: str) -> None:
        super().__init__()
        self.job_name = job_name
        self.run_id = run_id


class TriggerNotFound(EntityNotFound):
    """The trigger does not exist."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class BookmarkNotFound(EntityNotFound):
    """The job has no bookmark entry for this run (run_id), or none at all (run_id None)."""

    def __init__(self, job_name: str, run_id: str | None) -> None:
        super().__init__()
        self.job_name = job_name
        self.run_id = run_id


class DatabaseNotFound(EntityNotFound):
    """The Data Catalog database does not exist."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class TableNotFound(EntityNotFound):
    """The Data Catalog table does not exist."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class TableVersionNotFound(EntityNotFound):
    """The table has no archived version with this id."""

    def __init__(self, table: str, version_id: str) -> None:
        super().__init__()
        self.table = table
        self.version_id = version_id


class PartitionNotFound(EntityNotFound):
    """The table has no partition with these values."""

    def __init__(self, values: Sequence[str]) -> None:
        super().__init__()
        self.values = tuple(values)


class ConnectionNotFound(EntityNotFound):
    """The Data Catalog connection does not exist."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class AlreadyExists(GluerunError):
    """An entity with this name already exists."""


class ConcurrentRunsExceeded(GluerunError):
    """The job already has its maximum number of concurrent runs."""

    def __init__(self, job_name: str) -> None:
        super().__init__()
        self.job_name = job_name


class ResourceNumberLimitExceeded(GluerunError):
    """A resource limit was reached."""


class ConcurrentModification(GluerunError):
    """Another request changed the same entity first."""


class InvalidState(GluerunError):
    """The entity is in a state the request cannot work with."""


class IllegalRunTransition(GluerunError):
    """A run was asked to move to a state it cannot reach from its current state."""

    def __init__(self, run_id: str, current: str, wanted: str) -> None:
        super().__init__(f"run {run_id} is {current}; it cannot become {wanted}")
        self.run_id = run_id
        self.current = current
        self.wanted = wanted


class InvalidParameter(InvalidInput):
    """A CloudWatch Logs request parameter is not valid."""


class ResourceNotFound(GluerunError):
    """The log group or log stream does not exist."""


class LogGroupNotFound(ResourceNotFound):
    """The log group does not exist."""

    def __init__(self, group: str) -> None:
        super().__init__()
        self.group = group


class LogStreamNotFound(ResourceNotFound):
    """The log stream does not exist in its group."""

    def __init__(self, group: str, stream: str) -> None:
        super().__init__()
        self.group = group
        self.stream = stream


class ProtocolError(GluerunError):
    """The request does not follow the JSON 1.1 protocol."""


class UnknownOperation(ProtocolError):
    """The X-Amz-Target header names no operation that gluerun serves."""


class Serialization(ProtocolError):
    """The request body is not a JSON object."""


class RequestTooLarge(ProtocolError):
    """The request body is larger than this server accepts (GLUERUN_MAX_REQUEST_BYTES)."""


class StoreError(GluerunError):
    """The store failed; the driver's error is the __cause__."""


class ExecutorError(GluerunError):
    """An executor could not launch or control a job process."""


class ConfigError(GluerunError):
    """A setting has a value gluerun cannot use."""


class AuthError(GluerunError):
    """The request could not be authenticated or is not allowed."""


class MissingAuthentication(AuthError):
    """Missing Authentication Token"""


class IncompleteSignature(AuthError):
    """The request signature does not conform to AWS standards."""


class UnrecognizedClient(AuthError):
    """The security token included in the request is invalid."""


class InvalidSignature(AuthError):
    """The request signature we calculated does not match the signature you provided."""


class AccessDenied(AuthError):
    """The caller is not allowed to perform this action."""


class HostNotAllowed(AuthError):
    """The Host header names no address this server answers to."""
