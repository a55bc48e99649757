"""The leaf checks of request validation, and the AWS-style messages built from what they find.

`gluerun.api.validation` compiles a service's shapes into validators and walks the
containers (structures, lists, maps); everything that judges a single value is here: JSON
types, string lengths, enums and patterns, number ranges, timestamps, blobs and booleans,
plus maps of plain strings, which are checked inline with no per-entry call. Nothing here
knows about services or models beyond the one shape dict it is given.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from itertools import islice
from typing import Any, Final

from gluerun.api._java_patterns import (
    _matcher,
    _printable_ascii_matches,
)

# A validator is called as check(value, path, name, found): `path` is the parent's path,
# `name` the value's place in it (member name, map key, or 1-based list index). Paths are
# only joined into strings for the containers that recurse and for violations, never for
# the leaves of a valid request.

# (offending value, parent's path, name in the parent, rule text, whether not to echo value)
_Violation = tuple[Any, str, str | int, str, bool]
# check(value, parent's path, name in the parent, violations found so far)
_Validator = Callable[[Any, str, str | int, list[_Violation]], None]

_VALUE_CHARS: Final = 64  # offending values are cut to this many characters in messages
_MAX_LISTED: Final = 50  # violations spelled out in one message; the count covers them all
_NOT_NULL: Final = "Member must not be null"
_STRING_TYPE: Final = "Member must be of type string"
# A Java service cannot take integers its int/long fields cannot hold; neither can we.
_INT_RANGE: Final = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


# --------------------------------------------------------------------------- shared pieces


def _here(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}.{name}.member"
    return f"{path}.{name}" if path else name


def _accept_any(value: Any, path: str, name: str | int, found: list[_Violation]) -> None:
    return None


def _of_type(kind: str) -> str:
    return f"Member must be of type {kind}"


def _size_rules(shape: dict[str, Any]) -> tuple[int, int, str, str]:
    lo: int = shape.get("min", 0)
    hi: int = shape.get("max", sys.maxsize)
    return (
        lo,
        hi,
        f"Member must have length greater than or equal to {lo}",
        f"Member must have length less than or equal to {hi}",
    )


def _key_name(key: Any) -> str:
    """A map key as a path segment: JSON keys are strings, anything else is shown as text."""
    return key if isinstance(key, str) else repr(key)


# --------------------------------------------------------------------------- leaf validators


def _build_string_map(shape: dict[str, Any]) -> _Validator:
    """A map of plain strings to plain strings (GenericMap: job arguments), checked inline."""
    lo, hi, lo_rule, hi_rule = _size_rules(shape)
    type_rule = _of_type("map")
    key_rule = f"Map keys must satisfy constraint: [{_STRING_TYPE}]"

    def check_string_map(value: Any, path: str, name: str | int, found: list[_Violation]) -> None:
        if not isinstance(value, dict):
            found.append((value, path, name, type_rule, False))
            return
        size = len(value)
        if size < lo:
            found.append((value, path, name, lo_rule, False))
        if size > hi:
            found.append((value, path, name, hi_rule, False))
        for key, item in value.items():
            if not isinstance(key, str):
                found.append((key, path, name, key_rule, False))
            if not isinstance(item, str):
                rule = _NOT_NULL if item is None else _STRING_TYPE
                found.append((item, _here(path, name), _key_name(key), rule, False))

    return check_string_map


def _build_string(shape: dict[str, Any], sensitive: bool) -> _Validator:
    lo, hi, lo_rule, hi_rule = _size_rules(shape)
    enum: list[str] | None = shape.get("enum")
    allowed = frozenset(enum) if enum else None
    enum_rule = f"Member must satisfy enum value set: [{', '.join(enum or ())}]"
    pattern: str | None = shape.get("pattern")
    matches = _matcher(pattern) if pattern is not None else None
    ascii_ok = pattern is not None and _printable_ascii_matches(pattern)
    pattern_rule = f"Member must satisfy regular expression pattern: {pattern}"

    def check_string(value: Any, path: str, name: str | int, found: list[_Violation]) -> None:
        if not isinstance(value, str):
            found.append((value, path, name, _STRING_TYPE, sensitive))
            return
        size = len(value)
        if size < lo:
            found.append((value, path, name, lo_rule, sensitive))
        if size > hi:
            found.append((value, path, name, hi_rule, sensitive))
            return  # too long already: spare the regex engine an oversized input
        if allowed is not None and value not in allowed:
            found.append((value, path, name, enum_rule, sensitive))
        if (
            matches is not None
            and not (ascii_ok and value.isascii() and value.isprintable())
            and not matches(value)
        ):
            found.append((value, path, name, pattern_rule, sensitive))

    return check_string


def _build_integer(shape: dict[str, Any], sensitive: bool, kind: str) -> _Validator:
    floor, ceiling = _INT_RANGE[kind]
    lo: int = shape.get("min", floor)
    hi: int = shape.get("max", ceiling)
    lo_rule = f"Member must have value greater than or equal to {lo}"
    hi_rule = f"Member must have value less than or equal to {hi}"
    type_rule = _of_type(kind)

    def check_integer(value: Any, path: str, name: str | int, found: list[_Violation]) -> None:
        if value.__class__ is not int and (isinstance(value, bool) or not isinstance(value, int)):
            found.append((value, path, name, type_rule, sensitive))
            return
        if value < lo:
            found.append((value, path, name, lo_rule, sensitive))
        if value > hi:
            found.append((value, path, name, hi_rule, sensitive))

    return check_integer


def _build_double(shape: dict[str, Any], sensitive: bool, kind: str) -> _Validator:
    lo: float = shape.get("min", -math.inf)
    hi: float = shape.get("max", math.inf)
    lo_rule = f"Member must have value greater than or equal to {lo}"
    hi_rule = f"Member must have value less than or equal to {hi}"
    type_rule = _of_type(kind)

    def check_double(value: Any, path: str, name: str | int, found: list[_Violation]) -> None:
        cls = value.__class__
        if (
            cls is not float
            and cls is not int
            and (isinstance(value, bool) or not isinstance(value, int | float))
        ):
            found.append((value, path, name, type_rule, sensitive))
            return
        if value < lo:
            found.append((value, path, name, lo_rule, sensitive))
        if value > hi:
            found.append((value, path, name, hi_rule, sensitive))

    return check_double


def _build_scalar(kind: str, sensitive: bool) -> _Validator:
    type_rule = _of_type(kind)
    if kind == "boolean":
        accepted: tuple[type, ...] = (bool,)
    elif kind == "timestamp":  # epoch seconds or an ISO 8601 string
        accepted = (int, float, str)
    elif kind == "blob":  # base64 text on the wire
        accepted = (str, bytes)
    else:
        return _accept_any
    rejects_bool = kind != "boolean"

    def check_scalar(value: Any, path: str, name: str | int, found: list[_Violation]) -> None:
        if not isinstance(value, accepted) or (rejects_bool and isinstance(value, bool)):
            found.append((value, path, name, type_rule, sensitive))

    return check_scalar


# --------------------------------------------------------------------------- messages


def _message(found: list[_Violation]) -> str:
    count = len(found)
    parts = [_describe(*violation) for violation in found[:_MAX_LISTED]]
    if count > _MAX_LISTED:
        parts.append(f"and {count - _MAX_LISTED} more")
    plural = "error" if count == 1 else "errors"
    return f"{count} validation {plural} detected: " + "; ".join(parts)


def _describe(value: Any, path: str, name: str | int, rule: str, sensitive: bool) -> str:
    here = _here(path, name)
    where = f" at '{here}'" if here else ""
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
