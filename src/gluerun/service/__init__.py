"""Glue semantics, one module per resource family, behind the facade the API uses.

`GlueService` (facade.py) is the entry point; `LogsService` (logs.py) serves CloudWatch Logs.
"""

from __future__ import annotations

from gluerun.service.facade import GlueService
from gluerun.service.logs import LogsService
from gluerun.service.runs import StopError

__all__ = ["GlueService", "LogsService", "StopError"]
