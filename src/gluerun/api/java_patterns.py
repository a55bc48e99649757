"""Java regular expressions of the AWS service models, as Python matchers.

The models' patterns are Java's: UTF-16 surrogate-pair ranges, ASCII-only \\w, and a `.` that
excludes every Java line terminator. They are translated once and matched fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Final

_MEMO_ENTRIES: Final = 1024  # remembered pattern answers, per pattern
_MEMO_CHARS: Final = 128  # longest value whose answer is remembered

# A UTF-16 surrogate pair as Java writes it, \uD800\uDC00: one code point above U+FFFF.
_PAIR = r"\\u(D[89ABab][0-9A-Fa-f]{2})\\u(D[C-Fc-f][0-9A-Fa-f]{2})"
_SURROGATE_RANGE = re.compile(_PAIR + "-" + _PAIR)
_SURROGATE_PAIR = re.compile(_PAIR)
# Java's '.' matches anything but a line terminator; Python's only excludes '\n'.
_JAVA_DOT = r"[^\n\r\u0085\u2028\u2029]"


def _astral(high: str, low: str) -> str:
    code_point = 0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00)
    return f"\\U{code_point:08X}"


def _pair_range(match: re.Match[str]) -> str:
    high1, low1, high2, low2 = match.groups()
    return f"{_astral(high1, low1)}-{_astral(high2, low2)}"


def _pair(match: re.Match[str]) -> str:
    return _astral(*match.groups())


def _java_dots(pattern: str) -> str:
    """Replace each unescaped '.' outside a character class with Java's meaning of '.'."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # a ']' right after '[' or '[^' is a literal in both dialects
            lead = 2 if pattern.startswith("^", i + 1) else 1
            if pattern.startswith("]", i + lead):
                out.append(pattern[i : i + lead + 1])
                i += lead + 1
                continue
        elif char == ".":
            char = _JAVA_DOT
        out.append(char)
        i += 1
    return "".join(out)


def _translate(pattern: str) -> str:
    """A Java regular expression rewritten for Python's `re` (used with re.ASCII)."""
    pattern = _SURROGATE_RANGE.sub(_pair_range, pattern)
    pattern = _SURROGATE_PAIR.sub(_pair, pattern)
    return _java_dots(pattern)


@cache
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The model's Java `pattern` compiled for Python, or None if Python cannot express it.

    re.ASCII gives `\\w`, `\\d`, `\\s` and `\\b` their Java (ASCII) meaning.
    """
    try:
        return re.compile(_translate(pattern), re.ASCII)
    except re.error:
        return None


_CLASS_STAR = re.compile(r"\(?\[(?:[^\]\\]|\\.)*\]\)?\*")
_PRINTABLE_ASCII: Final = "".join(map(chr, range(0x20, 0x7F)))


@cache
def printable_ascii_matches(pattern: str) -> bool:
    """Whether every printable-ASCII string matches `pattern`: a fast path past the regex.

    True for a starred character class (`[...]*` or `([...])*`, e.g. SingleLine) whose class
    holds all of U+0020..U+007E: then any string of those characters matches.
    """
    compiled = compile_pattern(pattern)
    return (
        compiled is not None
        and _CLASS_STAR.fullmatch(pattern) is not None
        and compiled.fullmatch(_PRINTABLE_ASCII) is not None
    )


@cache
def matcher(pattern: str) -> Callable[[str], bool] | None:
    """A full-match test for `pattern` that remembers recent short answers, or None.

    Requests repeat the same few values (GlueVersion "4.0", PythonVersion "3"); a dict
    lookup is several times cheaper than a regex run. The memo is bounded.
    """
    compiled = compile_pattern(pattern)
    if compiled is None:
        return None
    fullmatch = compiled.fullmatch
    memo: dict[str, bool] = {}

    def matches(value: str) -> bool:
        known = memo.get(value)
        if known is not None:
            return known
        answer = fullmatch(value) is not None
        if len(value) <= _MEMO_CHARS:
            if len(memo) >= _MEMO_ENTRIES:
                memo.clear()
            memo[value] = answer
        return answer

    return matches
