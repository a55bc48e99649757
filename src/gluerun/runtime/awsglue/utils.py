"""``getResolvedOptions``: read a Glue job's ``--name value`` arguments as AWS Glue does.

Mirrors the semantics of ``awsglue/utils.py`` in awslabs/aws-glue-libs (argparse with
``parse_known_args``, reserved bookmark options, ``--TempDir``/``--RedshiftTempDir``
aliasing), written independently. Standard library only.
"""

from __future__ import annotations

import argparse
import traceback
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NoReturn, TypeVar

from ._unsupported import unsupported

__all__ = [
    "GlueArgumentError",
    "GlueArgumentParser",
    "callsite",
    "getResolvedOptions",
    "iteritems",
    "iterkeys",
    "itervalues",
    "makeOptions",
]

K = TypeVar("K")
V = TypeVar("V")

#: the bookmark option and its choices, in the order the legacy continuation values map onto
_BOOKMARK_OPTION = "--job-bookmark-option"
_BOOKMARK_CHOICES = ("job-bookmark-enable", "job-bookmark-pause", "job-bookmark-disable")
_BOOKMARK_DEFAULT = "job-bookmark-disable"
_BOOKMARK_PAUSE = "job-bookmark-pause"

#: the legacy spelling of the bookmark option; its choices map index-wise onto the above
_CONTINUATION_OPTION = "--continuation-option"
_CONTINUATION_CHOICES = ("continuation-enabled", "continuation-readonly", "continuation-ignore")

_RANGE_OPTIONS = ("--job-bookmark-from", "--job-bookmark-to")

#: optional ids Glue passes to every run (--JOB_NAME is deliberately not among them)
_ID_OPTIONS = ("--JOB_ID", "--JOB_RUN_ID", "--SECURITY_CONFIGURATION")
_ENCRYPTION_OPTION = "--encryption-type"
_ENCRYPTION_CHOICES = ("sse-s3",)
_DATA_LINEAGE_OPTION = "--enable-data-lineage"

_TEMP_DIR_OPTIONS = ("TempDir", "RedshiftTempDir")


class GlueArgumentError(Exception):
    """The job's arguments do not satisfy what the script asked for."""


class GlueArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser that raises GlueArgumentError instead of printing usage and exiting."""

    def error(self, msg: str) -> NoReturn:
        raise GlueArgumentError(msg)


def _reserved(name: str) -> RuntimeError:
    return RuntimeError("Using reserved arguments " + name)


def _build_parser(options: Sequence[str], allow_abbrev: bool) -> GlueArgumentParser:
    parser = GlueArgumentParser(allow_abbrev=allow_abbrev)

    # Asking for the bookmark options themselves is refused (message without dashes).
    for option in (_CONTINUATION_OPTION, _BOOKMARK_OPTION):
        if option[2:] in options:
            raise _reserved(option[2:])
    parser.add_argument(_BOOKMARK_OPTION, choices=_BOOKMARK_CHOICES, required=False)
    parser.add_argument(_CONTINUATION_OPTION, choices=_CONTINUATION_CHOICES, required=False)

    # ... and so are the bookmark range options (message with dashes).
    for option in _RANGE_OPTIONS:
        if option[2:] in options:
            raise _reserved(option)
        parser.add_argument(option, required=False)

    # AWS compares these dashed names with the undashed requested names, so the check never
    # trips; requesting e.g. JOB_RUN_ID then fails in argparse as a conflicting option, as it
    # does on AWS Glue. Kept as is for fidelity.
    for option in (*_ID_OPTIONS, _ENCRYPTION_OPTION, _DATA_LINEAGE_OPTION):
        if option in options:
            raise _reserved(option)
    for option in _ID_OPTIONS:
        parser.add_argument(option, required=False)
    parser.add_argument(_ENCRYPTION_OPTION, choices=_ENCRYPTION_CHOICES)
    parser.add_argument(_DATA_LINEAGE_OPTION, required=False)

    # TempDir and RedshiftTempDir are always optional, even when asked for.
    for name in _TEMP_DIR_OPTIONS:
        parser.add_argument("--" + name, required=False)
    for option in options:
        if option not in _TEMP_DIR_OPTIONS:
            parser.add_argument("--" + option, required=True)
    return parser


def _resolve_bookmark(resolved: dict[str, str | None]) -> None:
    """Fill ``job_bookmark_option`` (legacy continuation option as fallback) and check the range."""
    continuation = resolved.pop("continuation_option", None)
    if resolved.get("job_bookmark_option") is None:
        if continuation is None:
            resolved["job_bookmark_option"] = _BOOKMARK_DEFAULT
        else:
            index = _CONTINUATION_CHOICES.index(continuation)
            resolved["job_bookmark_option"] = _BOOKMARK_CHOICES[index]

    absent = [o for o in _RANGE_OPTIONS if resolved.get(o[2:].replace("-", "_")) is None]
    if resolved["job_bookmark_option"] == _BOOKMARK_PAUSE:
        if len(absent) == 1:
            raise RuntimeError("Missing option or value for " + absent[0])
    elif not absent:
        # AWS's message, including its missing space.
        raise RuntimeError("Invalid option(s)" + " ".join(_RANGE_OPTIONS))


def getResolvedOptions(
    args: Sequence[str], options: Sequence[str], allow_abbrev: bool = False
) -> dict[str, str | None]:
    """Resolve the job arguments named in ``options`` from ``args`` (normally ``sys.argv``).

    ``args[0]`` (the script path) is skipped and unknown arguments are ignored. Each name in
    ``options`` must be present as ``--name value``; the result maps names without dashes
    (hyphens become underscores, as argparse does) to values, and also always holds
    ``job_bookmark_option`` (default ``job-bookmark-disable``), ``job_bookmark_from``,
    ``job_bookmark_to``, ``JOB_ID``, ``JOB_RUN_ID``, ``SECURITY_CONFIGURATION``,
    ``encryption_type``, ``enable_data_lineage``, ``TempDir`` and ``RedshiftTempDir``
    (None when absent; the two temp dirs alias each other).

    Raises:
        GlueArgumentError: a requested argument is missing, or a value is not an allowed choice.
        RuntimeError: a reserved name was requested, or the bookmark range options are
            inconsistent with the bookmark option.
    """
    parser = _build_parser(options, allow_abbrev)
    parsed, _unknown = parser.parse_known_args(list(args[1:]))
    resolved: dict[str, str | None] = dict(vars(parsed))

    if resolved.get("TempDir") is not None:
        resolved["RedshiftTempDir"] = resolved["TempDir"]
    elif resolved.get("RedshiftTempDir") is not None:
        resolved["TempDir"] = resolved["RedshiftTempDir"]

    _resolve_bookmark(resolved)
    return resolved


@unsupported("JVM plumbing: it builds options for Glue's JVM classes, which gluerun does not have")
def makeOptions(sc: Any, py_obj: Any) -> Any:
    """Glue's JVM ``JsonOptions`` for a dict or JSON string (not provided)."""


def callsite() -> str:
    """The stack of the caller's caller, formatted as traceback lines (Glue logs it)."""
    return "".join(traceback.format_list(traceback.extract_stack()[:-2]))


def iteritems(d: Mapping[K, V], **kwargs: Any) -> Iterator[tuple[K, V]]:
    """An iterator over `d`'s items (aws-glue-libs' Python 2/3 helper)."""
    return iter(d.items(**kwargs))


def iterkeys(d: Mapping[K, V], **kwargs: Any) -> Iterator[V]:
    """An iterator over `d`'s *values*: aws-glue-libs' helper of this name returns the values
    (``iter(d.values())``), and scripts run on Glue get them, so gluerun does the same."""
    return iter(d.values(**kwargs))


def itervalues(d: Mapping[K, V], **kwargs: Any) -> Iterator[V]:
    """An iterator over `d`'s values (aws-glue-libs' Python 2/3 helper)."""
    return iter(d.values(**kwargs))
