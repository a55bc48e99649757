"""Opaque NextTokens and page sizes shared by every list operation."""

from __future__ import annotations

import base64
import binascii

from gluerun.errors import InvalidInput

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
