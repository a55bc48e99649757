"""Drop job members nested too deeply to be written back as JSON.

Before requests were held to 64 levels of nesting (api/limits.py), CreateJob and UpdateJob
could store a member nested ~250 levels deep (an unknown one, or Glue's recursive
Mapping.Children); every read of such a job then failed, GetJobs for everyone. This drops
those members from stored jobs, once. Data only: the schema does not change.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: The deepest a CreateJob member can nest now (api/limits.py MAX_DEPTH, less the body).
_MAX_DEPTH = 63
_jobs = sa.table("jobs", sa.column("name", sa.String), sa.column("doc", sa.Text))


def upgrade() -> None:
    conn = op.get_bind()
    for name, doc in conn.execute(sa.select(_jobs.c.name, _jobs.c.doc)).all():
        data = json.loads(doc)
        extras: dict[str, Any] = data.get("extras") or {}
        deep = [key for key, value in extras.items() if _too_deep(value)]
        if deep:
            data["extras"] = {k: v for k, v in extras.items() if k not in deep}
            conn.execute(sa.update(_jobs).where(_jobs.c.name == name).values(doc=json.dumps(data)))


def downgrade() -> None:
    """Nothing to undo: the dropped members could not be read back anyway."""


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > _MAX_DEPTH:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False
