"""Glue's tags: GetTags, TagResource, UntagResource, on jobs, triggers and Data Catalog
entities named by ARN."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from gluerun.errors import InvalidInput, JobNotFound, TriggerNotFound
from gluerun.service.catalog import CatalogService
from gluerun.store.roles import RunStore, TriggerStore

#: the resource kinds of Glue ARNs that GetTags/TagResource/UntagResource accept
TAGGABLE = ("job", "trigger", "database", "table", "connection")
#: The account part of an ARN gluerun takes as its own: empty or any 12 digits.
_ACCOUNT = re.compile(r"(\d{12})?")


class TagService:
    """GetTags, TagResource, UntagResource; tags given at CreateDatabase/CreateConnection.

    Tags are kept beside jobs and runs (the RunStore); triggers and the Data Catalog are
    asked only whether a tagged entity exists.
    """

    def __init__(
        self,
        runs: RunStore,
        triggers: TriggerStore,
        data_catalog: CatalogService,
        region: str,
        account_id: str,
    ) -> None:
        self.runs = runs
        self.triggers = triggers
        self.data_catalog = data_catalog
        self.region = region
        self.account_id = account_id

    def _resource(self, arn: str) -> tuple[str, str]:
        """(kind, name) of a taggable ARN in this node's region.

        gluerun serves one account, so the account part may be empty (Terraform with
        skip_requesting_account_id builds `arn:aws:glue:us-east-1::job/x`) or any 12 digits
        (tools that assume an account id of their own); the region must be this node's.
        """
        prefix = f"arn:aws:glue:{self.region}:{self.account_id}:"
        parts = arn.split(":", 5)
        kind, sep, name = parts[-1].partition("/")
        if (
            len(parts) != 6
            or parts[:4] != ["arn", "aws", "glue", self.region]
            or not _ACCOUNT.fullmatch(parts[4])
            or not sep
            or kind not in TAGGABLE
        ):
            raise InvalidInput(
                f"Invalid resource ARN {arn!r}: expected {prefix}<kind>/<name>, kind one of "
                f"{', '.join(TAGGABLE)}"
            )
        if kind in ("job", "trigger"):
            exists = self.runs.get_job if kind == "job" else self.triggers.get_trigger
            if exists(name) is None:
                raise JobNotFound(name) if kind == "job" else TriggerNotFound(name)
        else:
            self.data_catalog.check_exists(kind, name)  # raises EntityNotFound
        return kind, name

    def get_tags(self, arn: str) -> dict[str, str]:
        return self.runs.get_tags(*self._resource(arn))

    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None:
        kind, name = self._resource(arn)
        if len(self.runs.get_tags(kind, name) | dict(tags)) > 50:
            raise InvalidInput("A resource can have at most 50 tags.")
        self.runs.tag_resource(kind, name, tags)

    def untag_resource(self, arn: str, keys: Collection[str]) -> None:
        self.runs.untag_resource(*self._resource(arn), keys)

    def tag_created(self, kind: str, name: str, tags: Mapping[str, str] | None) -> None:
        """Tags given when an entity is created (CreateDatabase, CreateConnection), and none
        left over from a deleted namesake."""
        self.runs.untag_resource(kind, name, list(self.runs.get_tags(kind, name)))
        if tags:
            self.runs.tag_resource(kind, name, tags)
