"""ErrorsAsDynamicFrame: the error records a frame's making left.

The module aws-glue-libs defines it in, so ``from awsglue.transforms.errors_as_dynamicframe import
ErrorsAsDynamicFrame`` works as it does there.
"""

from __future__ import annotations

from ..dynamicframe import DynamicFrame
from .transform import GlueTransform

__all__ = ["ErrorsAsDynamicFrame"]


class ErrorsAsDynamicFrame(GlueTransform):
    """The error records that making `frame` left, each as a nested ``error`` struct."""

    def __call__(self, frame: DynamicFrame) -> DynamicFrame:
        return frame.errorsAsDynamicFrame()
