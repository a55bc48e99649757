"""Opaque NextTokens, numeric cursors and page sizes shared by every list operation.

A token comes back from the client, so whatever it carries is checked before it reaches the
store: names may not hold NUL (PostgreSQL text cannot), and numbers must be plain ASCII
digits that fit the store's 64-bit integers.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from gluerun.errors import InvalidInput

T = TypeVar("T")

#: Page size when a list operation gets no MaxResults (Glue does not document its own).
DEFAULT_PAGE_SIZE = 100
#: Largest cursor a store column holds (SQLite INTEGER, PostgreSQL BIGINT).
MAX_CURSOR = 2**63 - 1


def encode_token(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


def decode_token(token: str | None, prefix: str) -> str | None:
    """The cursor inside an opaque NextToken of kind `prefix`; InvalidInput if forged."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidInput(f"Invalid NextToken: {token[:64]!r}") from None
    kind, sep, cursor = raw.partition(":")
    if kind != prefix or not sep or "\x00" in cursor:
        raise InvalidInput(f"Invalid NextToken: {token[:64]!r}")
    return cursor


def decode_number_token(token: str | None, prefix: str) -> int | None:
    """The integer cursor inside an opaque NextToken of kind `prefix`; InvalidInput if forged."""
    cursor = decode_token(token, prefix)
    if cursor is None:
        return None
    number = parse_cursor(cursor)
    if number is None:
        raise InvalidInput(f"Invalid NextToken: {token[:64]!r}" if token else "Invalid NextToken")
    return number


def parse_cursor(text: str) -> int | None:
    """`text` as a cursor (ASCII digits, 0..MAX_CURSOR), or None if it is not one.

    str.isdigit alone would let Unicode digits ('²') through to int(), which rejects them,
    and int() of thousands of digits costs quadratic time before the range check.
    """
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_CURSOR)):
        return None
    number = int(text)
    return number if number <= MAX_CURSOR else None


def page_size(max_results: int | None) -> int:
    return DEFAULT_PAGE_SIZE if max_results is None else max_results


#: how many rows a filtered listing reads from the store at a time
SCAN_CHUNK = 1000


def scan(
    fetch: Callable[[Any, int], Sequence[T]],
    position: Callable[[T], Any],
    keep: Callable[[T], bool],
    after: Any,
    limit: int,
) -> tuple[list[T], Any]:
    """The rows `keep` accepts, at most `limit`, read `fetch(after, n)` chunk by chunk, and
    the position to continue from (None when the listing is exhausted). A page of a
    filtered listing may thus be short, or empty with a position, as Glue's are."""
    found: list[T] = []
    while True:
        rows = fetch(after, SCAN_CHUNK)
        for index, row in enumerate(rows):
            after = position(row)
            if keep(row):
                found.append(row)
                if len(found) == limit:
                    more = index + 1 < len(rows) or len(rows) == SCAN_CHUNK
                    return found, after if more else None
        if len(rows) < SCAN_CHUNK:
            return found, None
