"""``StreamingDataSource``: Glue's streaming sources, which gluerun does not provide."""

from __future__ import annotations

from typing import Any

from ._unsupported import unsupported

__all__ = ["StreamingDataSource"]

_REASON = "streaming sources are not part of gluerun's glueetl runs"


class StreamingDataSource:
    """Kept so imports work; every use fails with NotImplementedError."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args = args

    @unsupported(_REASON)
    def setFormat(self, format: str, **options: Any) -> None:
        raise NotImplementedError

    @unsupported(_REASON)
    def getFrame(self) -> Any:
        raise NotImplementedError
