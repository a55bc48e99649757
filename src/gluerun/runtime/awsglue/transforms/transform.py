"""``GlueTransform``: the base of every transform, used as ``Transform.apply(frame=..., ...)``."""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["GlueTransform"]


class GlueTransform:
    """A transform is a callable object; ``apply`` makes one and calls it.

    The ``describe*`` methods describe a transform from its ``__call__`` signature and
    docstring (aws-glue-libs writes each description by hand).
    """

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        return cls()(*args, **kwargs)

    @classmethod
    def name(cls) -> str:
        return cls.__name__

    @classmethod
    def describeArgs(cls) -> list[dict[str, Any]]:
        parameters = list(inspect.signature(cls.__call__).parameters.values())[1:]
        return [
            {
                "name": p.name,
                "type": _annotation(p),
                "description": "",
                "optional": p.default is not inspect.Parameter.empty,
                "defaultValue": None if p.default is inspect.Parameter.empty else repr(p.default),
            }
            for p in parameters
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        ]

    @classmethod
    def describeReturn(cls) -> dict[str, str]:
        returns = inspect.signature(cls.__call__).return_annotation
        return {"type": str(returns), "description": ""}

    @classmethod
    def describeTransform(cls) -> str:
        return (cls.__doc__ or "").strip()

    @classmethod
    def describeErrors(cls) -> list[dict[str, str]]:
        return []

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {
            "transform": {
                "name": cls.name(),
                "args": cls.describeArgs(),
                "returns": cls.describeReturn(),
                "description": cls.describeTransform(),
                "raises": cls.describeErrors(),
                "location": "internal",
            }
        }

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self.__class__) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"<Transform: {self.name()}>"


def _annotation(parameter: inspect.Parameter) -> str:
    annotation = parameter.annotation
    return "" if annotation is inspect.Parameter.empty else str(annotation)
