"""IAM-style identity policies: parsed once, evaluated per request. Pure: no I/O.

A policy is IAM's JSON (``Version``, ``Statement`` with ``Effect``, ``Action`` and ``Resource``,
each a string or a list; ``*`` and ``?`` wildcards). Evaluation follows IAM's order for one
identity-based policy: an explicit Deny wins, then any Allow, else the implicit deny. Elements
gluerun cannot evaluate (``Condition``, ``NotAction``, ``NotResource``, ``Principal``) are
refused when the policy is loaded rather than silently ignored.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from gluerun.errors import ConfigError

_KNOWN = frozenset({"Sid", "Effect", "Action", "Resource"})


class Decision(enum.Enum):
    """The outcome of evaluating a policy for one action on one resource."""

    ALLOW = "allow"
    #: no statement allows it (IAM's "no identity-based policy allows")
    IMPLICIT_DENY = "implicit"
    #: a Deny statement matches (IAM's "explicit deny in an identity-based policy")
    EXPLICIT_DENY = "explicit"


@dataclass(frozen=True)
class Statement:
    allow: bool
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    def matches(self, action: str, resource: str) -> bool:
        return any(_match(p, action, fold=True) for p in self.actions) and any(
            _match(p, resource, fold=False) for p in self.resources
        )


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]

    def decide(self, action: str, resource: str) -> Decision:
        """IAM's answer for `action` (``glue:StartJobRun``) on `resource` (an ARN or ``*``)."""
        found = [s for s in self.statements if s.matches(action, resource)]
        if any(not s.allow for s in found):
            return Decision.EXPLICIT_DENY
        return Decision.ALLOW if found else Decision.IMPLICIT_DENY


def parse_policy(text: str, where: str) -> Policy:
    """The policy in `text` (JSON); `where` names it in errors.

    Raises:
        ConfigError: the text is not a policy gluerun can evaluate.
    """
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{where}: the policy is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise ConfigError(f"{where}: a policy is a JSON object with a Statement")
    raw = document["Statement"]
    statements = raw if isinstance(raw, list) else [raw]
    return Policy(
        tuple(_statement(s, f"{where}: Statement {i + 1}") for i, s in enumerate(statements))
    )


def _statement(raw: Any, where: str) -> Statement:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} is not a JSON object")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise ConfigError(f"{where}: gluerun does not evaluate {', '.join(unknown)}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise ConfigError(f"{where}: Effect must be Allow or Deny, not {effect!r}")
    return Statement(
        effect == "Allow", _strings(raw, "Action", where), _strings(raw, "Resource", where)
    )


def _strings(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key)
    items: Sequence[Any] = [value] if isinstance(value, str) else value or []
    if not items or not all(isinstance(item, str) and item for item in items):
        raise ConfigError(f"{where}: {key} must be a string or a list of strings")
    return tuple(items)


def _match(pattern: str, value: str, fold: bool) -> bool:
    return _compile(pattern, fold).fullmatch(value) is not None


@lru_cache(maxsize=1024)
def _compile(pattern: str, fold: bool) -> re.Pattern[str]:
    """IAM's wildcards: ``*`` any run of characters (``:`` and ``/`` included), ``?`` one."""
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if fold else re.DOTALL)
