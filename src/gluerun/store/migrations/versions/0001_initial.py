"""Initial schema: jobs, tags, runs.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ACTIVE = "state IN ('WAITING','STARTING','RUNNING','STOPPING')"


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("job_id", sa.String(80), nullable=False, unique=True),
        sa.Column("max_concurrent_runs", sa.Integer, nullable=False),
        sa.Column("created_on", sa.Float, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "tags",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("id", sa.String(255), nullable=False, unique=True),
        sa.Column("job_id", sa.String(80), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("node_id", sa.String(255)),
        sa.Column("started_on", sa.Float, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_index("runs_by_job", "runs", ["job_id", "seq"])
    op.create_index(
        "runs_active",
        "runs",
        ["state", "job_id"],
        sqlite_where=sa.text(_ACTIVE),
        postgresql_where=sa.text(_ACTIVE),
    )


def downgrade() -> None:
    op.drop_table("runs")
    op.drop_table("tags")
    op.drop_table("jobs")
