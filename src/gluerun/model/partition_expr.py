"""GetPartitions' ``Expression`` as a tree: the tokenizer and recursive-descent parser.

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

Comparisons are normalised to ``key op value`` (a literal on the left flips the operator;
``!=`` becomes ``<>``). Typing against the partition keys is partition_filter's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gluerun.errors import InvalidInput

__all__ = ["Node", "parse"]

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
