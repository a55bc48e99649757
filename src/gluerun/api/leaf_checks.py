"""The leaf checks of request validation: each judges a single value against its shape.

`gluerun.api.validation` compiles a service's shapes into validators and walks the
containers (structures, lists, maps); everything that judges a single value is here: JSON
types, string lengths, enums and patterns, number ranges, timestamps, blobs and booleans,
plus maps of plain strings, which are checked inline with no per-entry call. Nothing here
knows about services or models beyond the one shape dict it is given.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Final

from gluerun.api.java_patterns import matcher, printable_ascii_matches
from gluerun.api.violations import (
    NOT_NULL,
    STRING_TYPE,
    Validator,
    Violation,
    child_path,
    key_name,
    of_type,
)

# A Java service cannot take integers its int/long fields cannot hold; neither can we.
_INT_RANGE: Final = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


# --------------------------------------------------------------------------- shared pieces


def accept_any(value: Any, path: str, name: str | int, found: list[Violation]) -> None:
    """The validator of a shape with no rules: every value passes."""
    return None


def size_rules(shape: dict[str, Any]) -> tuple[int, int, str, str]:
    """A shape's min and max size (string length, list or map entries) and their rule texts."""
    lo: int = shape.get("min", 0)
    hi: int = shape.get("max", sys.maxsize)
    return (
        lo,
        hi,
        f"Member must have length greater than or equal to {lo}",
        f"Member must have length less than or equal to {hi}",
    )


# --------------------------------------------------------------------------- leaf validators


def build_string_map(shape: dict[str, Any]) -> Validator:
    """A map of plain strings to plain strings (GenericMap: job arguments), checked inline."""
    lo, hi, lo_rule, hi_rule = size_rules(shape)
    type_rule = of_type("map")
    key_rule = f"Map keys must satisfy constraint: [{STRING_TYPE}]"

    def check_string_map(value: Any, path: str, name: str | int, found: list[Violation]) -> None:
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
                rule = NOT_NULL if item is None else STRING_TYPE
                found.append((item, child_path(path, name), key_name(key), rule, False))

    return check_string_map


def build_string(shape: dict[str, Any], sensitive: bool) -> Validator:
    """A string's length, enum and pattern (Java `matches`)."""
    lo, hi, lo_rule, hi_rule = size_rules(shape)
    enum: list[str] | None = shape.get("enum")
    allowed = frozenset(enum) if enum else None
    enum_rule = f"Member must satisfy enum value set: [{', '.join(enum or ())}]"
    pattern: str | None = shape.get("pattern")
    matches = matcher(pattern) if pattern is not None else None
    ascii_ok = pattern is not None and printable_ascii_matches(pattern)
    pattern_rule = f"Member must satisfy regular expression pattern: {pattern}"

    def check_string(value: Any, path: str, name: str | int, found: list[Violation]) -> None:
        if not isinstance(value, str):
            found.append((value, path, name, STRING_TYPE, sensitive))
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


def build_integer(shape: dict[str, Any], sensitive: bool, kind: str) -> Validator:
    """An integer or long within the shape's range and what Java can hold."""
    floor, ceiling = _INT_RANGE[kind]
    lo: int = shape.get("min", floor)
    hi: int = shape.get("max", ceiling)
    lo_rule = f"Member must have value greater than or equal to {lo}"
    hi_rule = f"Member must have value less than or equal to {hi}"
    type_rule = of_type(kind)

    def check_integer(value: Any, path: str, name: str | int, found: list[Violation]) -> None:
        if value.__class__ is not int and (isinstance(value, bool) or not isinstance(value, int)):
            found.append((value, path, name, type_rule, sensitive))
            return
        if value < lo:
            found.append((value, path, name, lo_rule, sensitive))
        if value > hi:
            found.append((value, path, name, hi_rule, sensitive))

    return check_integer


def build_double(shape: dict[str, Any], sensitive: bool, kind: str) -> Validator:
    """A number within the shape's range."""
    lo: float = shape.get("min", -math.inf)
    hi: float = shape.get("max", math.inf)
    lo_rule = f"Member must have value greater than or equal to {lo}"
    hi_rule = f"Member must have value less than or equal to {hi}"
    type_rule = of_type(kind)

    def check_double(value: Any, path: str, name: str | int, found: list[Violation]) -> None:
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


def build_scalar(kind: str, sensitive: bool) -> Validator:
    """A boolean, a timestamp or a blob, checked for its JSON type only."""
    type_rule = of_type(kind)
    if kind == "boolean":
        accepted: tuple[type, ...] = (bool,)
    elif kind == "timestamp":  # epoch seconds or an ISO 8601 string
        accepted = (int, float, str)
    elif kind == "blob":  # base64 text on the wire
        accepted = (str, bytes)
    else:
        return accept_any
    rejects_bool = kind != "boolean"

    def check_scalar(value: Any, path: str, name: str | int, found: list[Violation]) -> None:
        if not isinstance(value, accepted) or (rejects_bool and isinstance(value, bool)):
            found.append((value, path, name, type_rule, sensitive))

    return check_scalar
