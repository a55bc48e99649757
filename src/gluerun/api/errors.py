"""THE mapping from gluerun's error tree to wire errors, resolved by walking the MRO.

Errors that carry data (`JobNotFound(name)`, `RunNotFound(job_name, run_id)`) get their
wire text here and nowhere else (`message`); the others carry their text. Anything unmapped
is an InternalServiceException (500), logged with its traceback.
"""

from __future__ import annotations

import logging
from functools import singledispatch

from gluerun import errors

log = logging.getLogger(__name__)

#: error class → (__type, HTTP status)
WIRE_ERRORS: dict[type[BaseException], tuple[str, int]] = {
    # AWS's model validation (Coral) answers ValidationException with the
    # "N validation error(s) detected: ..." message, for Glue as for most JSON services.
    errors.ValidationFailed: ("ValidationException", 400),
    errors.InvalidInput: ("InvalidInputException", 400),
    errors.InvalidParameter: ("InvalidParameterException", 400),
    errors.ResourceNotFound: ("ResourceNotFoundException", 400),
    errors.EntityNotFound: ("EntityNotFoundException", 400),
    errors.AlreadyExists: ("AlreadyExistsException", 400),
    errors.ConcurrentRunsExceeded: ("ConcurrentRunsExceededException", 400),
    errors.ResourceNumberLimitExceeded: ("ResourceNumberLimitExceededException", 400),
    errors.ConcurrentModification: ("ConcurrentModificationException", 400),
    errors.InvalidState: ("InvalidStateException", 400),
    errors.IllegalRunTransition: ("ConcurrentModificationException", 400),
    errors.UnknownOperation: ("UnknownOperationException", 400),
    errors.Serialization: ("SerializationException", 400),
    errors.RequestTooLarge: ("RequestEntityTooLargeException", 413),
    errors.MissingAuthentication: ("MissingAuthenticationTokenException", 403),
    errors.IncompleteSignature: ("IncompleteSignatureException", 403),
    errors.UnrecognizedClient: ("UnrecognizedClientException", 403),
    errors.InvalidSignature: ("InvalidSignatureException", 403),
    errors.AccessDenied: ("AccessDeniedException", 400),
    errors.HostNotAllowed: ("InvalidHostHeaderException", 403),
}
INTERNAL = ("InternalServiceException", 500)
#: the query protocol (STS, IAM) names some errors differently: __type overrides
QUERY_ERRORS: dict[str, str] = {
    "ValidationException": "ValidationError",
    "MissingAuthenticationTokenException": "MissingAuthenticationToken",
    "IncompleteSignatureException": "IncompleteSignature",
    "UnrecognizedClientException": "InvalidClientTokenId",
    "InvalidSignatureException": "SignatureDoesNotMatch",
    "AccessDeniedException": "AccessDenied",
}
#: ... and answers some with another HTTP status than the JSON services do
QUERY_STATUSES: dict[str, int] = {"IncompleteSignature": 400, "AccessDenied": 403}
#: ... or words them differently (STS and IAM: "Request is missing Authentication Token")
QUERY_MESSAGES: dict[str, str] = {
    "MissingAuthenticationToken": "Request is missing Authentication Token",
}


def wire_error(exc: BaseException) -> tuple[str, int, str]:
    """(__type, status, Message) for any exception."""
    for cls in type(exc).__mro__:
        if cls in WIRE_ERRORS:
            code, status = WIRE_ERRORS[cls]
            return code, status, message(exc)
    log.error("internal error", exc_info=exc)
    return INTERNAL[0], INTERNAL[1], "An internal error occurred."


def error_detail(exc: BaseException) -> dict[str, str]:
    """A batch operation's ErrorDetail for one failed item."""
    code, _, text = wire_error(exc)
    return {"ErrorCode": code, "ErrorMessage": text}


def query_wire_error(exc: BaseException) -> tuple[str, int, str]:
    """(Code, status, Message) for a query-protocol (STS, IAM) answer."""
    code, status, message = wire_error(exc)
    code = QUERY_ERRORS.get(code, code)
    return code, QUERY_STATUSES.get(code, status), QUERY_MESSAGES.get(code, message)


# -- wire text of the errors that carry data (Glue's own wording, pinned by
# tests/api/test_error_messages.py) ---------------------------------------------------------
@singledispatch
def message(exc: BaseException) -> str:
    """The wire Message of `exc`: its own text unless a function below writes it."""
    return str(exc)


@message.register
def _job(exc: errors.JobNotFound) -> str:
    return f"Job with name: {exc.name} not found."


@message.register
def _run(exc: errors.RunNotFound) -> str:
    return f"Job run {exc.run_id} not found for job {exc.job_name}."


@message.register
def _finished(exc: errors.RunFinished) -> str:
    return f"Job run {exc.run_id} has already finished."


@message.register
def _concurrent(exc: errors.ConcurrentRunsExceeded) -> str:
    return f"Concurrent runs exceeded for {exc.job_name}"


@message.register
def _trigger(exc: errors.TriggerNotFound) -> str:
    return f"Trigger with name: {exc.name} not found."


@message.register
def _bookmark(exc: errors.BookmarkNotFound) -> str:
    if exc.run_id is None:
        return f"Continuation for job {exc.job_name} not found."
    return f"No job bookmark entry of job {exc.job_name} for run {exc.run_id}."


@message.register
def _database(exc: errors.DatabaseNotFound) -> str:
    return f"Database {exc.name} not found."


@message.register
def _table(exc: errors.TableNotFound) -> str:
    return f"Table {exc.name} not found."


@message.register
def _table_version(exc: errors.TableVersionNotFound) -> str:
    return f"Version {exc.version_id} of table {exc.table} not found."


@message.register
def _partition(exc: errors.PartitionNotFound) -> str:
    return f"Partition not found: values {list(exc.values)}."


@message.register
def _connection(exc: errors.ConnectionNotFound) -> str:
    return f"Connection {exc.name} not found."


# CloudWatch Logs says which kind of resource is missing, never its name.
@message.register
def _log_group(exc: errors.LogGroupNotFound) -> str:
    return "The specified log group does not exist."


@message.register
def _log_stream(exc: errors.LogStreamNotFound) -> str:
    return "The specified log stream does not exist."
