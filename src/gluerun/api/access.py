"""What each call asks IAM for: its action name and the resource ARNs it touches.

Actions are the service prefix and the operation (``glue:StartJobRun``, ``logs:GetLogEvents``,
``iam:GetRole``). Resources follow AWS's ARN formats: a job or trigger operation names its
entity (``arn:aws:glue:<region>:<account>:job/<name>``), the tag operations their
ResourceArn, log operations their log group or stream; operations without resource-level
permissions in AWS (GetJobs, ListJobs, ...) ask for ``*``. Data Catalog operations ask, as
in AWS, for the catalog and every database, table and connection they name
(``arn:aws:glue:<region>:<account>:catalog``, ``database/<db>``, ``table/<db>/<table>``,
``connection/<name>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Glue operation → (ARN resource type, member naming the entity or entities)
_GLUE_ENTITIES: dict[str, tuple[str, str]] = {
    **{
        op: ("job", "JobName")
        for op in (
            "GetJob",
            "UpdateJob",
            "DeleteJob",
            "StartJobRun",
            "GetJobRun",
            "GetJobRuns",
            "BatchStopJobRun",
            "GetJobBookmark",
            "GetJobBookmarks",
            "ResetJobBookmark",
        )
    },
    "CreateJob": ("job", "Name"),
    "BatchGetJobs": ("job", "JobNames"),
    **{
        op: ("trigger", "Name")
        for op in (
            "CreateTrigger",
            "GetTrigger",
            "UpdateTrigger",
            "DeleteTrigger",
            "StartTrigger",
            "StopTrigger",
        )
    },
    "BatchGetTriggers": ("trigger", "TriggerNames"),
}
_GLUE_TAGGING = frozenset({"GetTags", "TagResource", "UntagResource"})


@dataclass(frozen=True)
class Arns:
    """Builds the ARNs of one region and account."""

    region: str
    account: str

    def glue(self, operation: str, body: Mapping[str, Any]) -> list[str]:
        """The resources a Glue call touches (``["*"]`` when AWS has no resource level)."""
        if operation in _GLUE_TAGGING:
            return [str(body.get("ResourceArn") or "*")]
        if operation not in _GLUE_ENTITIES:
            return self._catalog(operation, body)
        kind, member = _GLUE_ENTITIES[operation]
        value = body.get(member)
        names = value if isinstance(value, list) else [value]
        found = [f"arn:aws:glue:{self.region}:{self.account}:{kind}/{n}" for n in names if n]
        return found or ["*"]

    def _catalog(self, operation: str, body: Mapping[str, Any]) -> list[str]:
        """Catalog, database, table and connection ARNs of a Data Catalog call (else ``*``)."""
        base = f"arn:aws:glue:{self.region}:{self.account}:"
        if "Connection" in operation:
            names = _names(body, "Name", "ConnectionName", "ConnectionNameList")
            names += _names(body.get("ConnectionInput") or {}, "Name")
            return [base + "catalog", *(f"{base}connection/{n}" for n in names)]
        if "Database" in operation:
            names = _names(body, "Name") + _names(body.get("DatabaseInput") or {}, "Name")
            return [base + "catalog", *(f"{base}database/{n}" for n in names)]
        database = body.get("DatabaseName")
        if not isinstance(database, str) or not database:
            return ["*"]
        tables = _names(body, "TableName", "TablesToDelete")
        tables += _names(body.get("TableInput") or {}, "Name")
        if operation in ("DeleteTable", "GetTable", "UpdateTable") and "Name" in body:
            tables += _names(body, "Name")
        tables = tables or (["*"] if operation == "GetTables" else [])
        return [
            base + "catalog",
            f"{base}database/{database}",
            *(f"{base}table/{database}/{t}" for t in tables),
        ]

    def logs(self, operation: str, body: Mapping[str, Any]) -> list[str]:
        """The log group (or stream) a Logs call reads."""
        group = body.get("logGroupName") or body.get("logGroupIdentifier")
        prefix = f"arn:aws:logs:{self.region}:{self.account}:log-group:"
        if not group:
            return [prefix + "*"]
        if operation == "GetLogEvents" and body.get("logStreamName"):
            return [f"{prefix}{group}:log-stream:{body['logStreamName']}"]
        return [f"{prefix}{group}:*"]

    def role(self, name: str) -> str:
        return f"arn:aws:iam::{self.account}:role/{name}"


def _names(body: Any, *members: str) -> list[str]:
    """The non-empty strings among `members` of `body` (list members count item by item).

    The body is not validated yet (policies are checked first): anything else is ignored.
    """
    found: list[str] = []
    if not isinstance(body, Mapping):
        return found
    for member in members:
        value = body.get(member)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item:
                found.append(item)
    return found
