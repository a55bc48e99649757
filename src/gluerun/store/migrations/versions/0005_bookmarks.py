"""Job bookmark entries, one row per version.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_bookmarks",
        sa.Column("job_name", sa.String(255), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("run", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(255)),
        sa.Column("previous_run_id", sa.String(255)),
        sa.Column("bookmark", sa.Text, nullable=False),
    )
    op.create_index("job_bookmarks_by_run", "job_bookmarks", ["job_name", "run_id"])


def downgrade() -> None:
    op.drop_table("job_bookmarks")
