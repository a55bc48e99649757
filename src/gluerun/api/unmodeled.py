"""Request checks for operations botocore has no model of.

GetJobBookmarks is documented on Glue's Job Runs API page but absent from every SDK model;
`Gluerun.CommitJobBookmark` is gluerun's own call from job processes (Job.commit()).
Each is described here once, as member → (type, required, minimum).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gluerun.errors import InvalidInput

#: X-Amz-Target prefix of gluerun's own operations.
GLUERUN_PREFIX = "Gluerun"

_Rule = tuple[type, bool, int | None]

SHAPES: dict[str, dict[str, _Rule]] = {
    "GetJobBookmarks": {
        "JobName": (str, True, 1),
        "MaxResults": (int, False, 1),
        "NextToken": (int, False, 1),
    },
    "CommitJobBookmark": {
        "JobName": (str, True, 1),
        "RunId": (str, True, 1),
        "BaseVersion": (int, True, 0),
        "JobBookmark": (str, True, 2),
    },
}
#: Glue operations checked here instead of against botocore's model.
UNMODELED = frozenset({"GetJobBookmarks"})


def check_unmodeled(operation: str, body: Mapping[str, Any]) -> None:
    """Raise InvalidInput naming each member that breaks its rule."""
    problems = [
        problem
        for member, (kind, required, minimum) in SHAPES[operation].items()
        if (problem := _check(member, body.get(member), kind, required, minimum)) is not None
    ]
    if problems:
        noun = "error" if len(problems) == 1 else "errors"
        raise InvalidInput(f"{len(problems)} validation {noun} detected: " + "; ".join(problems))


def _check(member: str, value: Any, kind: type, required: bool, minimum: int | None) -> str | None:
    prefix = f"at '{member}' failed to satisfy constraint: Member must"
    if value is None:
        return f"Value null {prefix} not be null" if required else None
    if not isinstance(value, kind) or isinstance(value, bool):
        return f"Value {prefix} be of type {kind.__name__}"
    if minimum is not None and _size(value) < minimum:
        rule = "length" if isinstance(value, str) else "value"
        return f"Value '{value}' {prefix} have {rule} greater than or equal to {minimum}"
    return None


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str) else int(value)
