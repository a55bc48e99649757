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

import threading
from collections.abc import Mapping
from functools import cache
from typing import Any, Final

import botocore.exceptions
import botocore.loaders

from gluerun.api.leaf_checks import (
    accept_any,
    build_double,
    build_integer,
    build_scalar,
    build_string,
    build_string_map,
    size_rules,
)
from gluerun.api.violations import (
    NOT_NULL,
    STRING_TYPE,
    Validator,
    Violation,
    child_path,
    key_name,
    message,
    of_type,
)
from gluerun.errors import ValidationFailed

# wire name -> (validator, lowerCamel name); a None validator is a plain string
_MemberTable = dict[str, tuple[Validator | None, str]]

_ONE_MEMBER: Final = "Member must have exactly one member set"
_DEFAULT_SERVICE: Final = "glue"

_lock = threading.RLock()  # guards loading services and compiling validators
_services: dict[str, _Service] = {}  # botocore service name -> its model and validators


# --------------------------------------------------------------------------- public API


def validate(operation: str, params: Mapping[str, Any], *, service: str = _DEFAULT_SERVICE) -> None:
    """Raise gluerun.errors.ValidationFailed if `params` break the input shape of `operation`.

    `service` is the botocore service name ("glue", "logs"). Raises KeyError for an
    unknown service or an operation the service's model does not have.
    """
    try:
        check = _services[service].operations[operation]
    except KeyError:
        check = _service(service).compile_operation(operation)
    if not isinstance(params, dict):
        params = dict(params) if isinstance(params, Mapping) else params
    found: list[Violation] = []
    try:
        check(params, "", "", found)
    except RecursionError:
        raise ValidationFailed("The request is nested too deeply to be validated.") from None
    if found:
        raise ValidationFailed(message(found))


def operation_names(*, service: str = _DEFAULT_SERVICE) -> frozenset[str]:
    """Every operation in the service's model. Raises KeyError for an unknown service."""
    return _service(service).operation_names


def member_names(shape_name: str, *, service: str = _DEFAULT_SERVICE) -> frozenset[str]:
    """The member names of a structure shape, e.g. member_names("Job"). KeyError if unknown."""
    return _member_names(service, shape_name)


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
def _member_names(service: str, shape_name: str) -> frozenset[str]:
    return frozenset(_service(service).shapes[shape_name]["members"])


@cache
def _enum_values(service: str, shape_name: str) -> tuple[str, ...]:
    shape = _service(service).shapes[shape_name]
    if "enum" not in shape:
        raise ValueError(f"shape {shape_name} is not an enum")
    return tuple(shape["enum"])


# --------------------------------------------------------------------------- compiling
#
# Containers are compiled here and recurse; single values go to the leaf validators of
# gluerun.api.leaf_checks; gluerun.api.violations describes the calling convention.


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
        self.operations: dict[str, Validator] = {}  # operation -> validator of its input
        # (shape name, sensitive) -> validator
        self.validators: dict[tuple[str, bool], Validator] = {}
        self._in_progress: set[tuple[str, bool]] = set()

    def compile_operation(self, operation: str) -> Validator:
        spec = self._specs[operation]  # KeyError for an unknown operation
        with _lock:
            check = self.operations.get(operation)
            if check is None:
                ref = spec.get("input")
                check = accept_any if ref is None else self.shape_validator(ref["shape"], False)
                self.operations[operation] = check
            return check

    def shape_validator(self, name: str, sensitive: bool) -> Validator:
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

    def _build(self, shape: dict[str, Any], sensitive: bool) -> Validator:
        sensitive = sensitive or bool(shape.get("sensitive"))
        kind = shape["type"]
        if shape.get("document"):
            return accept_any
        if kind == "structure":
            return self._build_structure(shape, sensitive)
        if kind == "list":
            return self._build_list(shape, sensitive)
        if kind == "map":
            return self._build_map(shape, sensitive)
        if kind == "string":
            return build_string(shape, sensitive)
        if kind in ("integer", "long"):
            return build_integer(shape, sensitive, kind)
        if kind in ("double", "float"):
            return build_double(shape, sensitive, kind)
        return build_scalar(kind, sensitive)

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
    ) -> Validator:
        def compile_then_check(
            value: Any, path: str, name: str | int, found: list[Violation]
        ) -> None:
            check = self.shape_validator(shape, sensitive)
            table[wire] = (check, camel)
            check(value, path, name, found)

        return compile_then_check

    def _build_structure(self, shape: dict[str, Any], sensitive: bool) -> Validator:
        table = self._member_table(shape, sensitive)
        required = tuple((wire, _lower_camel(wire)) for wire in shape.get("required", ()))
        type_rule = of_type("structure")
        lookup = table.get

        def check_structure(value: Any, path: str, name: str | int, found: list[Violation]) -> None:
            if not isinstance(value, dict):
                found.append((value, path, name, type_rule, sensitive))
                return
            if name.__class__ is str:
                here = path + "." + name if path else name
            else:
                here = f"{path}.{name}.member"
            for wire, camel in required:
                if value.get(wire) is None:
                    found.append((None, here, camel, NOT_NULL, False))
            for wire, member in value.items():
                if member is not None:
                    entry = lookup(wire)
                    if entry is not None:
                        check, camel = entry
                        if check is not None:
                            check(member, here, camel, found)
                        elif not isinstance(member, str):
                            found.append((member, here, camel, STRING_TYPE, False))

        if shape.get("union"):
            return _with_one_member(check_structure, table, sensitive)
        return check_structure

    def _build_list(self, shape: dict[str, Any], sensitive: bool) -> Validator:
        member_shape = shape["member"]["shape"]
        check_member = (
            None
            if self._is_plain_string(member_shape, sensitive)
            else self.shape_validator(member_shape, sensitive)
        )
        lo, hi, lo_rule, hi_rule = size_rules(shape)
        type_rule = of_type("list")

        def check_list(value: Any, path: str, name: str | int, found: list[Violation]) -> None:
            if not isinstance(value, list):
                found.append((value, path, name, type_rule, sensitive))
                return
            size = len(value)
            if size < lo:
                found.append((value, path, name, lo_rule, sensitive))
            if size > hi:
                found.append((value, path, name, hi_rule, sensitive))
            here = child_path(path, name)
            for index, item in enumerate(value, 1):
                if item is None:
                    found.append((None, here, index, NOT_NULL, False))
                elif check_member is not None:
                    check_member(item, here, index, found)
                elif not isinstance(item, str):
                    found.append((item, here, index, STRING_TYPE, False))

        return check_list

    def _build_map(self, shape: dict[str, Any], sensitive: bool) -> Validator:
        key_shape, value_shape = shape["key"]["shape"], shape["value"]["shape"]
        if self._is_plain_string(key_shape, sensitive) and self._is_plain_string(
            value_shape, sensitive
        ):
            return build_string_map(shape)
        check_key = self.shape_validator(key_shape, sensitive)
        check_value = self.shape_validator(value_shape, sensitive)
        lo, hi, lo_rule, hi_rule = size_rules(shape)
        type_rule = of_type("map")

        def check_map(value: Any, path: str, name: str | int, found: list[Violation]) -> None:
            if not isinstance(value, dict):
                found.append((value, path, name, type_rule, sensitive))
                return
            size = len(value)
            if size < lo:
                found.append((value, path, name, lo_rule, sensitive))
            if size > hi:
                found.append((value, path, name, hi_rule, sensitive))
            here = child_path(path, name)
            for key, item in value.items():
                before = len(found)
                check_key(key, path, name, found)
                if len(found) > before:
                    rules = ", ".join(violation[3] for violation in found[before:])
                    del found[before:]
                    rule = f"Map keys must satisfy constraint: [{rules}]"
                    found.append((key, path, name, rule, sensitive))
                segment = key if key.__class__ is str else key_name(key)
                if item is None:
                    found.append((None, here, segment, NOT_NULL, False))
                else:
                    check_value(item, here, segment, found)

        return check_map


def _forward(validators: dict[tuple[str, bool], Validator], key: tuple[str, bool]) -> Validator:
    def forward(value: Any, path: str, name: str | int, found: list[Violation]) -> None:
        validators[key](value, path, name, found)

    return forward


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _with_one_member(check: Validator, table: _MemberTable, sensitive: bool) -> Validator:
    """A union: a structure with exactly one member set."""

    def check_union(value: Any, path: str, name: str | int, found: list[Violation]) -> None:
        check(value, path, name, found)
        if isinstance(value, dict):
            chosen = sum(1 for k, v in value.items() if v is not None and k in table)
            if chosen != 1:
                found.append((value, path, name, _ONE_MEMBER, sensitive))

    return check_union
