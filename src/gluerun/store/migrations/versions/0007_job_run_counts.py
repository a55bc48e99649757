"""Per-job counts of slot-holding and waiting runs, so admission is O(1).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("slot_runs", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("waiting_runs", sa.Integer, nullable=False, server_default="0"))
    op.execute(
        "UPDATE jobs SET "
        "slot_runs = (SELECT count(*) FROM runs WHERE runs.job_id = jobs.job_id "
        "AND runs.state IN ('STARTING', 'RUNNING', 'STOPPING')), "
        "waiting_runs = (SELECT count(*) FROM runs WHERE runs.job_id = jobs.job_id "
        "AND runs.state = 'WAITING')"
    )


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("waiting_runs")
        batch.drop_column("slot_runs")
