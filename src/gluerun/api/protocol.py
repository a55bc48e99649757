"""The awsJson1.1 envelope: X-Amz-Target dispatch and JSON decoding."""

from __future__ import annotations

from typing import Any

import orjson

from gluerun.errors import Serialization, UnknownOperation

#: The JSON 1.1 media type of requests and responses.
CONTENT_TYPE = "application/x-amz-json-1.1"
GLUE_PREFIX = "AWSGlue"


def parse_target(target: str | None) -> tuple[str, str]:
    """`AWSGlue.StartJobRun` → ("AWSGlue", "StartJobRun")."""
    prefix, sep, operation = (target or "").partition(".")
    if not sep or not operation:
        raise UnknownOperation(f"Unknown or missing X-Amz-Target: {target!r}")
    return prefix, operation


def parse_body(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object; an empty body counts as `{}`."""
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Serialization(f"Request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise Serialization("Request body must be a JSON object.")
    return body


def dump(body: Any) -> bytes:
    return orjson.dumps(body)
