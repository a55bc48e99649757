"""What a request violation is, and how AWS words the message that reports it.

A violation is the offending value, where it sits, and the rule it broke; `message` joins the
violations of one request into AWS's text ("2 validation errors detected: Value ...").
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from typing import Any, Final

# A validator is called as check(value, path, name, found): `path` is the parent's path,
# `name` the value's place in it (member name, map key, or 1-based list index). Paths are
# only joined into strings for the containers that recurse and for violations, never for
# the leaves of a valid request.

# (offending value, parent's path, name in the parent, rule text, whether not to echo value)
Violation = tuple[Any, str, str | int, str, bool]
# check(value, parent's path, name in the parent, violations found so far)
Validator = Callable[[Any, str, str | int, list[Violation]], None]

_VALUE_CHARS: Final = 64  # offending values are cut to this many characters in messages
_MAX_LISTED: Final = 50  # violations spelled out in one message; the count covers them all
NOT_NULL: Final = "Member must not be null"
STRING_TYPE: Final = "Member must be of type string"


# --------------------------------------------------------------------------- paths and rules


def child_path(path: str, name: str | int) -> str:
    """The path of `name` (member, map key or 1-based list index) inside `path`."""
    if isinstance(name, int):
        return f"{path}.{name}.member"
    return f"{path}.{name}" if path else name


def of_type(kind: str) -> str:
    """The rule a value of the wrong JSON type breaks."""
    return f"Member must be of type {kind}"


def key_name(key: Any) -> str:
    """A map key as a path segment: JSON keys are strings, anything else is shown as text."""
    return key if isinstance(key, str) else repr(key)


# --------------------------------------------------------------------------- messages


def message(found: list[Violation]) -> str:
    """AWS's text for a request's violations: the count, then the first ones spelled out."""
    count = len(found)
    parts = [describe(*violation) for violation in found[:_MAX_LISTED]]
    if count > _MAX_LISTED:
        parts.append(f"and {count - _MAX_LISTED} more")
    plural = "error" if count == 1 else "errors"
    return f"{count} validation {plural} detected: " + "; ".join(parts)


def describe(value: Any, path: str, name: str | int, rule: str, sensitive: bool) -> str:
    """One violation as AWS words it (the value is not echoed when it is sensitive)."""
    at = child_path(path, name)
    where = f" at '{at}'" if at else ""
    shown = "Value" if sensitive and value is not None else f"Value {_render(value)}"
    return f"{shown}{where} failed to satisfy constraint: {rule}"


def _render(value: Any) -> str:
    if value is None:
        return "null"
    text = _text(value, 2)
    if len(text) > _VALUE_CHARS:
        text = text[:_VALUE_CHARS] + "..."
    return f"'{text}'"


def _text(value: Any, depth: int) -> str:
    """Java-ish toString of a JSON value, bounded so that huge values stay cheap."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value[: _VALUE_CHARS + 1]
    if isinstance(value, list):
        if depth <= 0:
            return "[...]"
        items = [_text(item, depth - 1) for item in value[:_VALUE_CHARS]]
        return "[" + ", ".join(items) + "]"
    if isinstance(value, dict):
        if depth <= 0:
            return "{...}"
        pairs = islice(value.items(), _VALUE_CHARS)
        return "{" + ", ".join(f"{k}={_text(v, depth - 1)}" for k, v in pairs) + "}"
    return str(value)
