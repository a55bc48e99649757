"""Partition values in a column of their own, so a filtered GetPartitions reads the values of
every partition but decodes the documents of the matching ones only.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_partitions") as batch:
        batch.add_column(
            sa.Column("partition_values", sa.Text, nullable=False, server_default="[]")
        )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT seq, doc FROM catalog_partitions")).fetchall()
    for seq, doc in rows:
        values = json.dumps(json.loads(doc).get("Values", []))
        conn.execute(
            sa.text("UPDATE catalog_partitions SET partition_values = :v WHERE seq = :s"),
            {"v": values, "s": seq},
        )


def downgrade() -> None:
    with op.batch_alter_table("catalog_partitions") as batch:
        batch.drop_column("partition_values")
