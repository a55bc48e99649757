"""Run logs as CloudWatch Logs sees them: groups, streams, events, and filter patterns (pure)."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass

from gluerun.errors import InvalidParameter
from gluerun.model.runs import LOG_GROUP_NAME

#: Where a run's stdout goes; its stream is the run id.
OUTPUT_GROUP = LOG_GROUP_NAME + "/output"
#: Where gluerun's own messages about a run go, and its stderr before Glue 5.0.
ERROR_GROUP = LOG_GROUP_NAME + "/error"
#: From this GlueVersion on, Glue writes the job's stderr to /output beside its stdout.
STDERR_TO_OUTPUT_FROM = 5
#: CloudWatch's largest event; longer lines are split.
MAX_EVENT_BYTES = 256 * 1024


def stderr_group(glue_version: str | None) -> str:
    """The log group of a run's stderr, as Glue routes it by GlueVersion.

    Glue 5.0 documents that user stdout *and* stderr go to /aws-glue/jobs/output (system and
    Glue-logger lines to /error); earlier versions keep stderr in /error.
    """
    try:
        major = int((glue_version or "").split(".", 1)[0])
    except ValueError:
        return ERROR_GROUP
    return OUTPUT_GROUP if major >= STDERR_TO_OUTPUT_FROM else ERROR_GROUP


@dataclass(frozen=True)
class LogEvent:
    """One stored event; `seq` orders all events of the store."""

    seq: int
    group: str
    stream: str
    timestamp: int
    ingestion_time: int
    message: str


@dataclass(frozen=True)
class LogStream:
    group: str
    stream: str
    creation_time: int
    first_event: int | None
    last_event: int | None
    last_ingestion: int | None
    stored_bytes: int
    #: bytes of the run's log file already ingested (so a restart never ingests twice)
    source_bytes: int = 0


@dataclass(frozen=True)
class LogGroup:
    name: str
    creation_time: int
    stored_bytes: int


def compile_filter(pattern: str | None) -> Callable[[str], bool]:
    """CloudWatch's text filter patterns: terms (all must appear), "quoted phrases",
    ?term (any of these), -term (none of these). JSON and space-delimited patterns are refused.
    """
    if pattern is None or not pattern.strip():
        return lambda _: True
    if pattern.strip().startswith(("{", "[")):
        raise InvalidParameter("JSON and space-delimited filter patterns are not supported.")
    try:
        terms = shlex.split(pattern)
    except ValueError as exc:
        raise InvalidParameter(f"Invalid filter pattern {pattern!r}: {exc}") from None
    required = [t for t in terms if not t.startswith(("?", "-"))]
    optional = [t[1:] for t in terms if t.startswith("?") and len(t) > 1]
    excluded = [t[1:] for t in terms if t.startswith("-") and len(t) > 1]

    def matches(message: str) -> bool:
        if any(term in message for term in excluded):
            return False
        if optional and not any(term in message for term in optional):
            return False
        return all(term in message for term in required)

    return matches


def split_lines(data: bytes) -> tuple[list[str], bytes]:
    """Complete lines of `data` (decoded, without newlines) and the unfinished rest."""
    if len(data) <= MAX_EVENT_BYTES:
        return _split_short(data)
    *lines, rest = data.split(b"\n")
    out = []
    for line in lines:
        out.extend(_chunks(line.removesuffix(b"\r")))
    if len(rest) >= MAX_EVENT_BYTES:
        out.extend(_chunks(rest))
        rest = b""
    return out, rest


def _split_short(data: bytes) -> tuple[list[str], bytes]:
    """split_lines when no line can exceed an event: one decode, one replace and one split
    of the whole text instead of three calls per line, which the collector's thread would
    make holding the GIL the event loop waits for. Same result: b"\\n" and b"\\r" are never
    part of a UTF-8 sequence, so decoding them with their line changes no replacement, and a
    "\\r\\n" can only be a line's end."""
    end = data.rfind(b"\n") + 1
    if len(data) == MAX_EVENT_BYTES and end == 0:
        return [data.decode("utf-8", "replace")], b""
    lines = data[:end].decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    lines.pop()  # what followed the last newline: the rest, kept as bytes
    return lines, data[end:]


def _chunks(line: bytes) -> list[str]:
    if len(line) <= MAX_EVENT_BYTES:
        return [line.decode("utf-8", "replace")]
    return [
        line[i : i + MAX_EVENT_BYTES].decode("utf-8", "replace")
        for i in range(0, len(line), MAX_EVENT_BYTES)
    ]
