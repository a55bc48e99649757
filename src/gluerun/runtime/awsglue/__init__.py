"""The ``awsglue`` package that gluerun job processes import, as on AWS Glue.

gluerun puts the directory holding this package first on every job process's PYTHONPATH,
so job scripts can ``from awsglue.utils import getResolvedOptions``. ``awsglue.utils`` uses only
the standard library; ``context``, ``job``, ``dynamicframe`` and ``transforms`` need PySpark
(glueetl jobs). Nothing here imports gluerun: it runs inside the job, not the server.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # ``from awsglue import DynamicFrame`` works as on Glue, without importing PySpark for
    # scripts (pythonshell) that only want awsglue.utils.
    if name == "DynamicFrame":
        from .dynamicframe import DynamicFrame

        return DynamicFrame
    raise AttributeError(f"module 'awsglue' has no attribute {name!r}")
