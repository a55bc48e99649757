"""``DynamicFrameCollection``: named DynamicFrames, as SplitFields, SplitRows and
Relationalize return them, with ``map`` and ``flatmap`` over the frames."""

from __future__ import annotations

from collections.abc import Callable, Iterable, KeysView, ValuesView
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import GlueContext
    from .dynamicframe import DynamicFrame

__all__ = ["DynamicFrameCollection", "one_frame"]


class DynamicFrameCollection:
    """Named DynamicFrames (a dict of them, or a list named by each frame's name)."""

    def __init__(
        self,
        dynamic_frames: dict[str, DynamicFrame] | Iterable[DynamicFrame],
        glue_ctx: GlueContext,
    ) -> None:
        self._glue_ctx = glue_ctx
        self._frames: dict[str, DynamicFrame]
        if isinstance(dynamic_frames, dict):
            self._frames = dict(dynamic_frames)
        elif isinstance(dynamic_frames, list | tuple):
            self._frames = {frame.name: frame for frame in dynamic_frames}
        else:
            raise TypeError("dynamic_frames must be list or dict.")

    def __getitem__(self, key: str) -> DynamicFrame:
        return self._frames[key]

    def __len__(self) -> int:
        return len(self._frames)

    def __iter__(self) -> Any:
        return iter(self._frames)

    def keys(self) -> KeysView[str]:
        return self._frames.keys()

    def values(self) -> ValuesView[DynamicFrame]:
        return self._frames.values()

    def select(self, key: str, transformation_ctx: str = "") -> DynamicFrame:
        """The frame named `key`; an empty frame named `key` when there is none, as in Glue."""
        if key in self._frames:
            return self._frames[key]
        from .dynamicframe import DynamicFrame

        spark = self._glue_ctx.spark_session
        return DynamicFrame(spark.createDataFrame([], "struct<>"), self._glue_ctx, key)

    def map(
        self, callable: Callable[[DynamicFrame, str], Any], transformation_ctx: str = ""
    ) -> DynamicFrameCollection:
        """Each frame replaced by ``callable(frame, transformation_ctx + ":" + name)``."""
        from .dynamicframe import DynamicFrame

        frames = {}
        for key, frame in self._frames.items():
            result = callable(frame, f"{transformation_ctx}:{key}")
            if not isinstance(result, DynamicFrame):
                raise TypeError(f"callable must return a DynamicFrame. Got {type(result)}")
            frames[key] = result
        return DynamicFrameCollection(frames, self._glue_ctx)

    def flatmap(
        self, f: Callable[[DynamicFrame, str], Any], transformation_ctx: str = ""
    ) -> DynamicFrameCollection:
        """The frames ``f(frame, ctx)`` returns (a frame, or a collection whose frames count)."""
        from .dynamicframe import DynamicFrame

        frames: dict[str, DynamicFrame] = {}
        for frame in self._frames.values():
            result = f(frame, f"{transformation_ctx}:{frame.name}")
            if isinstance(result, DynamicFrame):
                frames[result.name] = result
            elif isinstance(result, DynamicFrameCollection):
                frames.update(result._frames)
            else:
                raise TypeError(
                    "Function argument to flatmap must return DynamicFrame or "
                    f"DynamicFrameCollection. Got {type(result)}"
                )
        return DynamicFrameCollection(frames, self._glue_ctx)


def one_frame(frame_or_dfc: DynamicFrame | DynamicFrameCollection) -> DynamicFrame:
    """The frame a ``write_from_*`` call writes: gluerun writes one DynamicFrame at a time."""
    if isinstance(frame_or_dfc, DynamicFrameCollection):
        raise TypeError("gluerun writes one DynamicFrame at a time; select it first")
    return frame_or_dfc
