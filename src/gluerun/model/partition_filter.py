"""GetPartitions' ``Expression``: parsed into a small tree, then typed against the partition keys.

The grammar is Glue's documented one (a SQL WHERE clause: ``= <> > < >= <=``, ``AND OR NOT``,
``IN``, ``BETWEEN``, ``LIKE``, ``IS [NOT] NULL``) widened to what real clients send: ``!=``,
literals on the left (Spark's Hive shim), double-quoted strings, ``\\'`` escapes and the ``L``/
``S``/``Y``/``D``/``BD`` suffixes of Hive's expression strings, bare ``yyyy-MM-dd`` dates::

    expr      := and_expr (OR and_expr)*
    and_expr  := not_expr (AND not_expr)*
    not_expr  := NOT not_expr | '(' expr ')' | predicate
    predicate := operand cmp operand | ident [NOT] LIKE string
               | ident [NOT] IN '(' literal (',' literal)* ')'
               | ident [NOT] BETWEEN literal AND literal | ident IS [NOT] NULL

Each literal is cast to its key's declared type (``string``/``char``/``varchar``, integral types,
``decimal``, ``date``, ``timestamp``) when the filter is compiled, so ``year = 2015`` on a string
key compares the text ``'2015'`` and ``month = '2'`` on an int key compares the number 2. A literal
that does not fit its key, LIKE on a non-string key, an unknown key or an unsupported key type is
InvalidInput; a *stored* value that does not fit its key is InvalidState, as in Glue. LIKE takes
SQL's ``%`` and ``_``; Spark's ``.*`` is read as ``%`` (Spark re-filters what it gets back, so a
superset is safe where a subset would lose rows).
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

__all__ = ["Filter", "compile_filter", "parse"]

#: a compiled filter: partition values (in key order) → whether the partition matches
Filter = Callable[[Sequence[str]], bool]

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<date>\d{4}-\d{2}-\d{2}(?![\w.]))
    | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?P<suffix>BD|[LSYD])?(?![\w])
    | (?P<squote>'(?:[^'\\]|\\.|'')*')
    | (?P<dquote>"(?:[^"\\]|\\.|"")*")
    | (?P<ident>`[^`]+`|[A-Za-z_][A-Za-z0-9_.$]*)
    | (?P<op><>|!=|>=|<=|==|=|<|>)
    | (?P<punct>[(),])
    """,
    re.VERBOSE | re.IGNORECASE,
)
_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "BETWEEN", "LIKE", "IS", "NULL"})
_FLIPPED = {"=": "=", "<>": "<>", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


# -- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    """A constant as written: its text and whether it was quoted."""

    text: str
    quoted: bool


@dataclass(frozen=True)
class Column:
    name: str


@dataclass(frozen=True)
class Compare:
    op: str
    column: Column
    value: Literal


@dataclass(frozen=True)
class Like:
    column: Column
    pattern: Literal
    negated: bool


@dataclass(frozen=True)
class In:
    column: Column
    values: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class Between:
    column: Column
    low: Literal
    high: Literal
    negated: bool


@dataclass(frozen=True)
class IsNull:
    column: Column
    negated: bool


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class BoolOp:
    """AND or OR over two or more parts."""

    op: str
    parts: tuple[Node, ...]


Node = Compare | Like | In | Between | IsNull | Not | BoolOp


# -- parsing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # keyword, ident, literal, op, punct, end
    text: str
    pos: int
    literal: Literal | None = None


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _unsupported(text, f"unexpected character {text[pos]!r} at position {pos + 1}")
        kind = match.lastgroup or ""
        raw = match.group(kind) if kind != "suffix" else match.group("number")
        if kind == "suffix":
            kind = "number"
        if kind != "space":
            found.append(_token(kind, raw, pos))
        pos = match.end()
    found.append(_Token("end", "", len(text)))
    return found


def _token(kind: str, raw: str, pos: int) -> _Token:
    if kind == "ident":
        if raw.upper() in _KEYWORDS:
            return _Token("keyword", raw.upper(), pos)
        return _Token("ident", raw.strip("`"), pos)
    if kind in ("number", "date"):
        return _Token("literal", raw, pos, Literal(raw, False))
    if kind in ("squote", "dquote"):
        return _Token("literal", raw, pos, Literal(_unquote(raw), True))
    return _Token(kind, raw, pos)


def _unquote(raw: str) -> str:
    quote, body = raw[0], raw[1:-1]
    body = body.replace(quote * 2, quote)
    return re.sub(r"\\(.)", r"\1", body)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> _Token | None:
        token = self.peek()
        if token.kind == kind and (text is None or token.text == text):
            return self.take()
        return None

    def expect(self, kind: str, text: str | None = None) -> _Token:
        token = self.accept(kind, text)
        if token is None:
            wanted = text or kind
            got = self.peek().text or "the end"
            raise _unsupported(
                self.text, f"expected {wanted} at position {self.peek().pos + 1}, got {got}"
            )
        return token

    def parse(self) -> Node:
        node = self.or_expr()
        self.expect("end")
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.accept("keyword", "OR"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else BoolOp("OR", tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.not_expr()]
        while self.accept("keyword", "AND"):
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else BoolOp("AND", tuple(parts))

    def not_expr(self) -> Node:
        if self.accept("keyword", "NOT"):
            return Not(self.not_expr())
        if self.peek().kind == "punct" and self.peek().text == "(" and self._group_ahead():
            self.take()
            node = self.or_expr()
            self.expect("punct", ")")
            return node
        return self.predicate()

    def _group_ahead(self) -> bool:
        """Whether the '(' here opens a sub-expression rather than a parenthesised operand."""
        depth, index = 0, self.index
        while True:
            token = self.tokens[index]
            if token.kind == "punct" and token.text == "(":
                depth += 1
            elif token.kind == "punct" and token.text == ")":
                depth -= 1
                if depth == 0:
                    following = self.tokens[index + 1]
                    return following.kind != "op" and following.text not in (
                        "LIKE",
                        "IN",
                        "BETWEEN",
                        "IS",
                        "NOT",
                    )
            elif (token.kind in ("op", "keyword") and depth == 1) or token.kind == "end":
                return True
            index += 1

    def operand(self) -> Column | Literal:
        if self.accept("punct", "("):
            inner = self.operand()
            self.expect("punct", ")")
            return inner
        token = self.take()
        if token.kind == "ident":
            return Column(token.text)
        if token.kind == "literal" and token.literal is not None:
            return token.literal
        raise _unsupported(self.text, f"expected a key or a value at position {token.pos + 1}")

    def literal(self) -> Literal:
        found = self.operand()
        if not isinstance(found, Literal):
            raise _unsupported(self.text, f"expected a value, got the key {found.name}")
        return found

    def predicate(self) -> Node:
        left = self.operand()
        op = self.accept("op")
        if op is not None:
            right = self.operand()
            return _comparison(self.text, left, "=" if op.text == "==" else op.text, right)
        if not isinstance(left, Column):
            raise _unsupported(self.text, f"a value cannot start a condition: {left.text!r}")
        if self.accept("keyword", "IS"):
            negated = self.accept("keyword", "NOT") is not None
            self.expect("keyword", "NULL")
            return IsNull(left, negated)
        negated = self.accept("keyword", "NOT") is not None
        if self.accept("keyword", "LIKE"):
            return Like(left, self.literal(), negated)
        if self.accept("keyword", "IN"):
            self.expect("punct", "(")
            values = [self.literal()]
            while self.accept("punct", ","):
                values.append(self.literal())
            self.expect("punct", ")")
            return In(left, tuple(values), negated)
        if self.accept("keyword", "BETWEEN"):
            low = self.literal()
            self.expect("keyword", "AND")
            return Between(left, low, self.literal(), negated)
        token = self.peek()
        raise _unsupported(
            self.text, f"expected an operator after {left.name} at position {token.pos + 1}"
        )


def _comparison(text: str, left: Column | Literal, op: str, right: Column | Literal) -> Compare:
    op = "<>" if op == "!=" else op
    if isinstance(left, Column) and isinstance(right, Literal):
        return Compare(op, left, right)
    if isinstance(left, Literal) and isinstance(right, Column):
        return Compare(_FLIPPED[op], right, left)
    raise _unsupported(text, "a comparison needs one partition key and one value")


def _unsupported(text: str, reason: str) -> InvalidInput:
    return InvalidInput(f"Unsupported expression '{text}': {reason}.")


def parse(text: str) -> Node | None:
    """The tree of `text`; None for a blank expression (no filter). Raises InvalidInput."""
    if not text.strip():
        return None
    return _Parser(text).parse()


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
