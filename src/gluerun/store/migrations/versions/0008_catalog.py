"""The Data Catalog: databases, tables and their versions, partitions, connections.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_databases",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "catalog_tables",
        sa.Column("database_name", sa.String(255), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "catalog_table_versions",
        sa.Column("database_name", sa.String(255), primary_key=True),
        sa.Column("table_name", sa.String(255), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "catalog_partitions",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("database_name", sa.String(255), nullable=False),
        sa.Column("table_name", sa.String(255), nullable=False),
        sa.Column("values_key", sa.String(64), nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_index(
        "catalog_partitions_by_values",
        "catalog_partitions",
        ["database_name", "table_name", "values_key"],
        unique=True,
    )
    op.create_index(
        "catalog_partitions_by_table",
        "catalog_partitions",
        ["database_name", "table_name", "seq"],
    )
    op.create_table(
        "catalog_connections",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for name in (
        "catalog_connections",
        "catalog_partitions",
        "catalog_table_versions",
        "catalog_tables",
        "catalog_databases",
    ):
        op.drop_table(name)
