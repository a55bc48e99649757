"""GetPartitions' ``Expression`` evaluated against partition values, typed by the keys.

Each literal of the tree (partition_expr) is cast to its key's declared type (``string``/
``char``/``varchar``, integral types, ``decimal``, ``date``, ``timestamp``) when the filter is
compiled, so ``year = 2015`` on a string key compares the text ``'2015'`` and ``month = '2'`` on
an int key compares the number 2. A literal that does not fit its key, LIKE on a non-string
key, an unknown key or an unsupported key type is InvalidInput; a *stored* value that does not
fit its key is InvalidState, as in Glue. LIKE takes SQL's ``%`` and ``_``; Spark's ``.*`` is
read as ``%`` (Spark re-filters what it gets back, so a superset is safe where a subset would
lose rows).
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from gluerun.errors import InvalidInput, InvalidState
from gluerun.model.partition_expr import (
    Between,
    BoolOp,
    Column,
    Compare,
    In,
    IsNull,
    Literal,
    Node,
    Not,
    parse,
)

__all__ = ["Filter", "compile_filter", "parse"]

#: a compiled filter: partition values (in key order) → whether the partition matches
Filter = Callable[[Sequence[str]], bool]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


# -- typing and evaluation -----------------------------------------------------------------


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"'{text}' is not an integer") from None


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a decimal") from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a date (yyyy-MM-dd)") from None


def _timestamp(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.strip()[:26])
    except ValueError:
        raise ValueError(f"'{text}' is not a timestamp (yyyy-MM-dd HH:mm:ss[.fffffffff])") from None


_INTEGRAL = frozenset({"int", "integer", "bigint", "long", "smallint", "tinyint"})
_TEXT = frozenset({"string", "char", "varchar"})


@dataclass(frozen=True)
class _KeyType:
    """How one partition key's values and literals become comparable Python values."""

    name: str  # the family named in errors: String, Integral, Decimal, Date, Timestamp
    cast: Callable[[str], Any]

    @property
    def likes(self) -> bool:
        return self.name == "String"


def _key_type(declared: str) -> _KeyType:
    base = declared.strip().lower().split("(", 1)[0].strip()
    if base in _TEXT:
        return _KeyType("String", str)
    if base in _INTEGRAL:
        return _KeyType("Integral", _integer)
    if base == "decimal":
        return _KeyType("Decimal", _decimal)
    if base == "date":
        return _KeyType("Date", _date)
    if base == "timestamp":
        return _KeyType("Timestamp", _timestamp)
    raise InvalidInput(f"Unknown type : '{declared}'")


def _suffixless(literal: Literal) -> str:
    if literal.quoted:
        return literal.text
    return re.sub(r"(?i)(BD|[LSYD])$", "", literal.text)


def _like_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for piece in re.split(r"(\.\*|%|_)", pattern):
        if piece in (".*", "%"):
            parts.append(".*")
        elif piece == "_":
            parts.append(".")
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts), re.DOTALL)


class _Compiler:
    """Resolves keys and casts literals once; the result reads partition values."""

    def __init__(self, text: str, keys: Sequence[tuple[str, str]]) -> None:
        self.text = text
        self.positions = {name.lower(): index for index, (name, _) in enumerate(keys)}
        self.keys = list(keys)

    def key(self, column: Column) -> tuple[int, _KeyType]:
        index = self.positions.get(column.name.lower())
        if index is None:
            known = ", ".join(name for name, _ in self.keys) or "none"
            raise InvalidInput(
                f"Invalid partition expression! Unknown partition key {column.name!r} in "
                f"'{self.text}' (partition keys: {known})."
            )
        return index, _key_type(self.keys[index][1])

    def constant(self, kind: _KeyType, literal: Literal) -> Any:
        try:
            return kind.cast(_suffixless(literal))
        except ValueError as exc:
            raise InvalidInput(f"Invalid partition expression '{self.text}': {exc}.") from None

    def build(self, node: Node) -> Callable[[Sequence[Any]], bool]:
        if isinstance(node, BoolOp):
            parts = [self.build(part) for part in node.parts]
            combine = all if node.op == "AND" else any
            return lambda values: combine(part(values) for part in parts)
        if isinstance(node, Not):
            inner = self.build(node.inner)
            return lambda values: not inner(values)
        return self.predicate(node)

    def predicate(self, node: Node) -> Callable[[Sequence[Any]], bool]:
        assert not isinstance(node, (BoolOp, Not))
        index, kind = self.key(node.column)
        if isinstance(node, Compare):
            test, constant = _COMPARE[node.op], self.constant(kind, node.value)
            return lambda values: test(values[index], constant)
        if isinstance(node, IsNull):
            # partition values are never NULL in the catalog
            return lambda values: node.negated
        if isinstance(node, In):
            choices = frozenset(self.constant(kind, value) for value in node.values)
            return lambda values: (values[index] in choices) != node.negated
        if isinstance(node, Between):
            low, high = self.constant(kind, node.low), self.constant(kind, node.high)
            return lambda values: (low <= values[index] <= high) != node.negated
        if not kind.likes:
            raise InvalidInput(f"{kind.name} data type doesn't support operation 'LIKE'")
        regex = _like_regex(node.pattern.text)
        return lambda values: (regex.fullmatch(values[index]) is not None) != node.negated


def compile_filter(text: str, keys: Sequence[tuple[str, str]]) -> Filter | None:
    """A filter for `text` over partitions whose keys are `keys` ((name, type) in order).

    None when `text` is blank. Raises InvalidInput for a bad expression; the filter raises
    InvalidState when a stored partition value does not fit its key's type.
    """
    tree = parse(text)
    if tree is None:
        return None
    compiler = _Compiler(text, keys)
    test = compiler.build(tree)
    used = sorted({compiler.key(column)[0] for column in _columns(tree)})
    casts = {index: _key_type(keys[index][1]).cast for index in used}

    def matches(values: Sequence[str]) -> bool:
        typed: list[Any] = list(values)
        for index, cast in casts.items():
            try:
                typed[index] = cast(values[index])
            except (ValueError, IndexError):
                raise InvalidState(
                    f"Partition value {values[index] if index < len(values) else None!r} of key "
                    f"{keys[index][0]} is not a valid {keys[index][1]}."
                ) from None
        return test(typed)

    return matches


def _columns(node: Node) -> list[Column]:
    if isinstance(node, BoolOp):
        return [column for part in node.parts for column in _columns(part)]
    if isinstance(node, Not):
        return _columns(node.inner)
    return [node.column]
