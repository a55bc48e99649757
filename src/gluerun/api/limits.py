"""Limits every JSON request body meets before any operation sees it.

The service models bound most values, but not two things the store and the encoder care
about: how deeply a value nests (the JSON encoder refuses documents nested ~255 levels deep,
so a stored job nested that deep would break every later read of it; Glue's recursive
shapes, such as Mapping.Children, let a request nest without end) and NUL characters
(PostgreSQL text cannot hold them; no Glue or Logs name, tag, argument or token needs one).
Both are checked here once for every operation, so no accepted value can fail later.
"""

from __future__ import annotations

from typing import Any, Final

from gluerun.errors import InvalidInput

#: Deepest nesting of objects and arrays a request may have (a body `{}` has depth 1).
MAX_DEPTH: Final = 64
_NUL_ESCAPE: Final = b"\\u0000"


def check_body(raw: bytes | bytearray, body: dict[str, Any]) -> None:
    """Raise InvalidInput naming the first member that nests too deeply or holds a NUL.

    The raw text decides cheaply whether the walk is needed at all: a body with fewer
    brackets than MAX_DEPTH cannot nest deeper, and JSON can only carry a NUL escaped.
    """
    deep = raw.count(b"{") + raw.count(b"[") > MAX_DEPTH
    nul = _NUL_ESCAPE in raw
    if deep or nul:
        problem = _find(body)
        if problem is not None:
            raise InvalidInput(problem)


# A place in the body: (parent's place, name in the parent); paths are spelled out only
# for the one member that is reported.
_Place = tuple[Any, str | int] | None


def _find(body: dict[str, Any]) -> str | None:
    """The first problem in `body`, found without recursion (the body may be deep)."""
    stack: list[tuple[Any, _Place, int]] = [(body, None, 1)]
    while stack:
        value, place, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return _describe(place, "Member must not contain the NUL character (U+0000)")
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return _describe(place, f"Member must not nest more than {MAX_DEPTH} levels deep")
            if isinstance(value, list):
                stack.extend((item, (place, i), depth + 1) for i, item in enumerate(value, 1))
                continue
            for key, item in value.items():
                if "\x00" in key:
                    return _describe(place, "Map keys must not contain the NUL character (U+0000)")
                stack.append((item, (place, key), depth + 1))
    return None


def _path(place: _Place) -> str:
    parts: list[str] = []
    while place is not None:
        place, name = place
        parts.append(f"{name}.member" if isinstance(name, int) else name[:1].lower() + name[1:])
    return ".".join(reversed(parts))


def _describe(place: _Place, rule: str) -> str:
    # The same shape as the model's validation messages; the value itself is never echoed.
    path = _path(place)
    where = f" at '{path}'" if path else ""
    return f"1 validation error detected: Value{where} failed to satisfy constraint: {rule}"
