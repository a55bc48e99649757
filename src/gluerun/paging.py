"""Opaque NextTokens and page sizes shared by every list operation."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from gluerun.errors import InvalidInput

T = TypeVar("T")

#: Page size when a list operation gets no MaxResults (Glue does not document its own).
DEFAULT_PAGE_SIZE = 100


def encode_token(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


def decode_token(token: str | None, prefix: str) -> str | None:
    """The cursor inside an opaque NextToken of kind `prefix`; InvalidInput if forged."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput(f"Invalid NextToken: {token!r}") from None
    kind, sep, cursor = raw.partition(":")
    if kind != prefix or not sep:
        raise InvalidInput(f"Invalid NextToken: {token!r}")
    return cursor


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
