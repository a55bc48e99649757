"""Glue semantics, one module per resource family, behind the facade the API uses.

`GlueService` is the entry point; `LogsService` (logs.py) serves CloudWatch Logs.
"""

from __future__ import annotations

from gluerun.service.jobs import GlueService, StopError
from gluerun.service.logs import LogsService

__all__ = ["GlueService", "LogsService", "StopError"]
