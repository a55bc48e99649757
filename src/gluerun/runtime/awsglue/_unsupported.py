"""The marker for parts of awsglue's API that gluerun does not provide: they fail clearly.

A method or class decorated with ``unsupported(reason)`` raises ``NotImplementedError``
naming itself and the reason when called; ``docs/awsglue-api.md`` lists it as failing, and a
test checks that the table and these markers agree.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["MARK", "unsupported"]

#: attribute holding the reason on an unsupported function
MARK = "__gluerun_unsupported__"
F = TypeVar("F", bound=Callable[..., Any])


def unsupported(reason: str) -> Callable[[F], F]:
    """Replace the decorated function by one that raises NotImplementedError(reason)."""

    def decorate(function: F) -> F:
        name = function.__qualname__

        @functools.wraps(function)
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError(f"gluerun's awsglue does not support {name}: {reason}")

        setattr(fail, MARK, reason)
        return fail  # type: ignore[return-value]

    return decorate
