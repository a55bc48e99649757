"""Node leases: a row per engine node with its lease and epoch (fencing of run writes).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nodes",
        sa.Column("node_id", sa.String(255), primary_key=True),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lease_until", sa.Float, nullable=False),
        sa.Column("heartbeat_on", sa.Float, nullable=False),
        sa.Column("joined_on", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("nodes")
