"""Request checks for operations botocore has no model of.

GetJobBookmarks is documented on Glue's Job Runs API page but absent from every SDK model;
`Gluerun.CommitJobBookmark` is gluerun's own call from job processes (Job.commit()).
Each is described here once, as member → (type, required, minimum, maximum). Numbers are
Java Integers/Longs on AWS's side; their ranges also keep the store's arithmetic in 64 bits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gluerun.errors import InvalidInput

#: X-Amz-Target prefix of gluerun's own operations.
GLUERUN_PREFIX = "Gluerun"

_Rule = tuple[type, bool, int | None, int | None]
_INT_MAX = 2**31 - 1
_LONG_MAX = 2**63 - 1

SHAPES: dict[str, dict[str, _Rule]] = {
    "GetJobBookmarks": {
        "JobName": (str, True, 1, 255),
        "MaxResults": (int, False, 1, _INT_MAX),
        "NextToken": (int, False, 1, _INT_MAX),
    },
    "CommitJobBookmark": {
        "JobName": (str, True, 1, 255),
        "RunId": (str, True, 1, 255),
        "BaseVersion": (int, True, 0, _LONG_MAX),
        "JobBookmark": (str, True, 2, None),
    },
}
#: Glue operations checked here instead of against botocore's model.
UNMODELED = frozenset({"GetJobBookmarks"})


def check_unmodeled(operation: str, body: Mapping[str, Any]) -> None:
    """Raise InvalidInput naming each member that breaks its rule."""
    problems = [
        problem
        for member, rule in SHAPES[operation].items()
        if (problem := _check(member, body.get(member), rule)) is not None
    ]
    if problems:
        noun = "error" if len(problems) == 1 else "errors"
        raise InvalidInput(f"{len(problems)} validation {noun} detected: " + "; ".join(problems))


def _check(member: str, value: Any, rule: _Rule) -> str | None:
    kind, required, minimum, maximum = rule
    prefix = f"at '{member}' failed to satisfy constraint: Member must"
    if value is None:
        return f"Value null {prefix} not be null" if required else None
    if not isinstance(value, kind) or isinstance(value, bool):
        return f"Value {prefix} be of type {kind.__name__}"
    measure = "length" if isinstance(value, str) else "value"
    shown = str(value)[:64]
    if minimum is not None and _size(value) < minimum:
        return f"Value '{shown}' {prefix} have {measure} greater than or equal to {minimum}"
    if maximum is not None and _size(value) > maximum:
        return f"Value '{shown}' {prefix} have {measure} less than or equal to {maximum}"
    return None


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str) else int(value)
