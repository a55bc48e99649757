"""Run logs: CloudWatch-style streams and events.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_streams",
        sa.Column("group_name", sa.String(512), primary_key=True),
        sa.Column("stream_name", sa.String(512), primary_key=True),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("first_event", sa.BigInteger),
        sa.Column("last_event", sa.BigInteger),
        sa.Column("last_ingestion", sa.BigInteger),
        sa.Column("stored_bytes", sa.BigInteger, nullable=False),
        sa.Column("source_bytes", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "log_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("group_name", sa.String(512), nullable=False),
        sa.Column("stream_name", sa.String(512), nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("ingestion_time", sa.BigInteger, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("log_events_by_stream", "log_events", ["group_name", "stream_name", "seq"])
    op.create_index("log_events_by_group", "log_events", ["group_name", "seq"])
    op.create_index("log_events_by_time", "log_events", ["ingestion_time"])


def downgrade() -> None:
    op.drop_table("log_events")
    op.drop_table("log_streams")
