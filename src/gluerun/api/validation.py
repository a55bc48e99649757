"""Request validation compiled from botocore's service models, enforced on the server.

botocore checks only `required`, `min` and types on the client; AWS enforces every
constraint of the model on the server, and so does gluerun. Nothing here is hand-written:
each operation's input shape is compiled once, lazily, into closures that check JSON
types, `required`, `min`/`max` (string length, list and map sizes, number values),
`enum` and `pattern` (Java `matches` semantics), recursing through structures, lists and
maps. Unknown members are ignored and null members count as absent, as on AWS.

One module serves every JSON-protocol service gluerun speaks: Glue (the default) and
CloudWatch Logs (`service="logs"`), or any other botocore service name. Each service has
its own model, compiled validators and operation table, built on first use; the pattern
caches are shared, since they depend on the pattern text alone.

Violations are all collected and reported AWS style::

    2 validation errors detected: Value '500' at 'maxResults' failed to satisfy
    constraint: Member must have value less than or equal to 200; Value null at 'role'
    failed to satisfy constraint: Member must not be null

Paths are the lowerCamel member names joined by '.' (Glue's `MaxResults` is `maxResults`;
Logs members are lowerCamel already and stay as they are); list items are `ids.3.member`
(1-based, as AWS writes them), map values `arguments.<key>`. A bad map key is reported at
the map's path: `Map keys must satisfy constraint: [<rules>]`. Values of sensitive shapes
are never echoed (`Value at 'password' failed ...`).
"""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable, Mapping
from functools import cache
from itertools import islice
from typing import Any, Final

import botocore.exceptions
import botocore.loaders

from gluerun.api._java_patterns import (
    _matcher,
    _printable_ascii_matches,
)
from gluerun.errors import InvalidInput

# (offending value, parent's path, name in the parent, rule text, whether not to echo value)
_Violation = tuple[Any, str, str | int, str, bool]
# check(value, parent's path, name in the parent, violations found so far)
_Validator = Callable[[Any, str, str | int, list[_Violation]], None]
# wire name -> (validator, lowerCamel name); a None validator is a plain string
_MemberTable = dict[str, tuple[_Validator | None, str]]

_VALUE_CHARS: Final = 64  # offending values are cut to this many characters in messages
_MAX_LISTED: Final = 50  # violations spelled out in one message; the count covers them all
_NOT_NULL: Final = "Member must not be null"
_ONE_MEMBER: Final = "Member must have exactly one member set"
_STRING_TYPE: Final = "Member must be of type string"
# A Java service cannot take integers its int/long fields cannot hold; neither can we.
_INT_RANGE: Final = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_DEFAULT_SERVICE: Final = "glue"

_lock = threading.RLock()  # guards loading services and compiling validators
_services: dict[str, _Service] = {}  # botocore service name -> its model and validators


# --------------------------------------------------------------------------- public API


def validate(operation: str, params: Mapping[str, Any], *, service: str = _DEFAULT_SERVICE) -> None:
    """Raise gluerun.errors.InvalidInput if `params` break the model's input shape of `operation`.

    `service` is the botocore service name ("glue", "logs"). Raises KeyError for an
    unknown service or an operation the service's model does not have.
    """
    try:
        check = _services[service].operations[operation]
    except KeyError:
        check = _service(service).compile_operation(operation)
    if not isinstance(params, dict):
        params = dict(params) if isinstance(params, Mapping) else params
    found: list[_Violation] = []
    try:
        check(params, "", "", found)
    except RecursionError:
        raise InvalidInput("The request is nested too deeply to be validated.") from None
    if found:
        raise InvalidInput(_message(found))


def operation_names(*, service: str = _DEFAULT_SERVICE) -> frozenset[str]:
    """Every operation in the service's model. Raises KeyError for an unknown service."""
    return _service(service).operation_names


def enum_values(shape_name: str, *, service: str = _DEFAULT_SERVICE) -> tuple[str, ...]:
    """The enum values of a string shape, in model order, e.g. enum_values("JobRunState").

    Raises KeyError for an unknown service or shape, ValueError for a shape that is not
    an enum.
    """
    return _enum_values(service, shape_name)


# --------------------------------------------------------------------------- the models


def _service(name: str) -> _Service:
    """The service called `name`, its model loaded on first use; KeyError if botocore has none."""
    found = _services.get(name)
    if found is not None:
        return found
    with _lock:
        found = _services.get(name)
        if found is None:
            found = _services[name] = _Service(name)
        return found


@cache
def _enum_values(service: str, shape_name: str) -> tuple[str, ...]:
    shape = _service(service).shapes[shape_name]
    if "enum" not in shape:
        raise ValueError(f"shape {shape_name} is not an enum")
    return tuple(shape["enum"])


# --------------------------------------------------------------------------- compiling
#
# A validator is called as check(value, path, name, found): `path` is the parent's path,
# `name` the value's place in it (member name, map key, or 1-based list index). Paths are
# only joined into strings for the containers that recurse and for violations, never for
# the leaves of a valid request.


def _here(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}.{name}.member"
    return f"{path}.{name}" if path else name


class _Service:
    """One service's model and the validators compiled from it."""

    __slots__ = (
        "_in_progress",
        "_specs",
        "name",
        "operation_names",
        "operations",
        "shapes",
        "validators",
    )

    def __init__(self, name: str) -> None:
        try:
            model = botocore.loaders.Loader().load_service_model(name, "service-2")
        except botocore.exceptions.UnknownServiceError:
            raise KeyError(name) from None
        self.name = name
        self.shapes: dict[str, dict[str, Any]] = model["shapes"]
        self._specs: dict[str, dict[str, Any]] = model["operations"]
        self.operation_names = frozenset(self._specs)
        self.operations: dict[str, _Validator] = {}  # operation -> validator of its input
        # (shape name, sensitive) -> validator
        self.validators: dict[tuple[str, bool], _Validator] = {}
        self._in_progress: set[tuple[str, bool]] = set()

    def compile_operation(self, operation: str) -> _Validator:
        spec = self._specs[operation]  # KeyError for an unknown operation
        with _lock:
            check = self.operations.get(operation)
            if check is None:
                ref = spec.get("input")
                check = _accept_any if ref is None else self.shape_validator(ref["shape"], False)
                self.operations[operation] = check
            return check

    def shape_validator(self, name: str, sensitive: bool) -> _Validator:
        key = (name, sensitive)
        check = self.validators.get(key)
        if check is not None:
            return check
        with _lock:
            check = self.validators.get(key)
            if check is not None:
                return check
            if key in self._in_progress:  # a recursive shape: look the validator up when called
                return _forward(self.validators, key)
            self._in_progress.add(key)
            try:
                check = self._build(self.shapes[name], sensitive)
            finally:
                self._in_progress.discard(key)
            self.validators[key] = check
            return check

    def _build(self, shape: dict[str, Any], sensitive: bool) -> _Validator:
        sensitive = sensitive or bool(shape.get("sensitive"))
        kind = shape["type"]
        if shape.get("document"):
            return _accept_any
        if kind == "structure":
            return self._build_structure(shape, sensitive)
        if kind == "list":
            return self._build_list(shape, sensitive)
        if kind == "map":
            return self._build_map(shape, sensitive)
        if kind == "string":
            return _build_string(shape, sensitive)
        if kind in ("integer", "long"):
            return _build_integer(shape, sensitive, kind)
        if kind in ("double", "float"):
            return _build_double(shape, sensitive, kind)
        return _build_scalar(kind, sensitive)

    def _is_plain_string(self, name: str, sensitive: bool) -> bool:
        """A string shape with no constraint: checked inline by its parent, without a call."""
        shape = self.shapes[name]
        constrained = ("min", "max", "enum", "pattern", "sensitive")
        return (
            shape["type"] == "string" and not sensitive and not any(k in shape for k in constrained)
        )

    def _member_table(self, shape: dict[str, Any], sensitive: bool) -> _MemberTable:
        """Wire name -> (validator, lowerCamel name); a None validator is a plain string.

        Members compile on first use, which keeps huge subtrees (CodeGenConfigurationNodes)
        out of the way until a request has them.
        """
        table: _MemberTable = {}
        for wire, ref in shape["members"].items():
            camel = _lower_camel(wire)
            if self._is_plain_string(ref["shape"], sensitive):
                table[wire] = (None, camel)
            else:
                ready = self.validators.get((ref["shape"], sensitive))
                lazy = ready or self._lazy(table, wire, camel, ref["shape"], sensitive)
                table[wire] = (lazy, camel)
        return table

    def _lazy(
        self, table: _MemberTable, wire: str, camel: str, shape: str, sensitive: bool
    ) -> _Validator:
        def compile_then_check(
            value: Any, path: str, name: str | int, found: list[_Violation]
        ) -> None:
            check = self.shape_validator(shape, sensitive)
            table[wire] = (check, camel)
            check(value, path, name, found)

        return compile_then_check

    def _build_structure(self, shape: dict[str, Any], sensitive: bool) -> _Validator:
        table = self._member_table(shape, sensitive)
        required = tuple((wire, _lower_camel(wire)) for wire in shape.get("required", ()))
        type_rule = _of_type("structure")
        lookup = table.get

        def check_structure(
            value: Any, path: str, name: str | int, found: list[_Violation]
        ) -> None:
            if not isinstance(value, dict):
                found.append((value, path, name, type_rule, sensitive))
                return
            if name.__class__ is str:
                here = path + "." + name if path else name
            else:
                here = f"{path}.{name}.member"
            for wire, camel in required:
                if value.get(wire) is None:
                    found.append((None, here, camel, _NOT_NULL, False))
            for wire, member in value.items():
                if member is not None:
                    entry = lookup(wire)
                    if entry is not None:
                        check, camel = entry
                        if check is not None:
                            check(member, here, camel, found)
                        elif not isinstance(member, str):
                            found.append((member, here, camel, _STRING_TYPE, False))

        if shape.get("union"):
            return _with_one_member(check_structure, table, sensitive)
        return check_structure

    def _build_list(self, shape: dict[str, Any], sensitive: bool) -> _Validator:
        member_shape = shape["member"]["shape"]
        check_member = (
            None
            if self._is_plain_string(member_shape, sensitive)
            else self.shape_validator(member_shape, sensitive)
        )
        lo, hi, lo_rule, hi_rule = _size_rules(shape)
        type_rule = _of_type("list")

        def check_list(value: Any, path: str, name: str | int, found: list[_Violation]) -> None:
            if not isinstance(value, list):
                found.append((value, path, name, type_rule, sensitive))
                return
            size = len(value)
            if size < lo:
                found.append((value, path, name, lo_rule, sensitive))
            if size > hi:
                found.append((value, path, name, hi_rule, sensitive))
            here = _here(path, name)
            for index, item in enumerate(value, 1):
                if item is None:
                    found.append((None, here, index, _NOT_NULL, False))
                elif check_member is not None:
                    check_member(item, here, index, found)
                elif not isinstance(item, str):
                    found.append((item, here, index, _STRING_TYPE, False))

        return check_list

    def _build_map(self, shape: dict[str, Any], sensitive: bool) -> _Validator:
        key_shape, value_shape = shape["key"]["shape"], shape["value"]["shape"]
        if self._is_plain_string(key_shape, sensitive) and self._is_plain_string(
            value_shape, sensitive
        ):
            return _build_string_map(shape)
        check_key = self.shape_validator(key_shape, sensitive)
        check_value = self.shape_validator(value_shape, sensitive)
        lo, hi, lo_rule, hi_rule = _size_rules(shape)
        type_rule = _of_type("map")

        def check_map(value: Any, path: str, name: str | int, found: list[_Violation]) -> None:
            if not isinstance(value, dict):
                found.append((value, path, name, type_rule, sensitive))
                return
            size = len(value)
            if size < lo:
                found.append((value, path, name, lo_rule, sensitive))
            if size > hi:
                found.append((value, path, name, hi_rule, sensitive))
            here = _here(path, name)
            for key, item in value.items():
                before = len(found)
                check_key(key, path, name, found)
                if len(found) > before:
                    rules = ", ".join(violation[3] for violation in found[before:])
                    del found[before:]
                    rule = f"Map keys must satisfy constraint: [{rules}]"
                    found.append((key, path, name, rule, sensitive))
                segment = key if key.__class__ is str else _key_name(key)
                if item is None:
                    found.append((None, here, segment, _NOT_NULL, False))
                else:
                    check_value(item, here, segment, found)

        return check_map


def _forward(validators: dict[tuple[str, bool], _Validator], key: tuple[str, bool]) -> _Validator:
    def forward(value: Any, path: str, name: str | int, found: list[_Violation]) -> None:
        validators[key](value, path, name, found)

    return forward


def _accept_any(value: Any, path: str, name: str | int, found: list[_Violation]) -> None:
    return None


def _of_type(kind: str) -> str:
    return f"Member must be of type {kind}"


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _with_one_member(check: _Validator, table: _MemberTable, sensitive: bool) -> _Validator:
    """A union: a structure with exactly one member set."""

    def check_union(value: Any, path: str, name: str | int, found: list[_Violation]) -> None:
        check(value, path, name, found)
        if isinstance(value, dict):
            chosen = sum(1 for k, v in value.items() if v is not None and k in table)
            if chosen != 1:
                found.append((value, path, name, _ONE_MEMBER, sensitive))

    return check_union


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
