"""Run indexes every hot query can use.

The partial index of 0001 could not serve queries whose state list is a bound parameter, so
admission counts and the engine's per-node scan read whole tables.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("runs_active", table_name="runs")
    op.create_index("runs_by_job_state", "runs", ["job_id", "state"])
    op.create_index("runs_by_state_node", "runs", ["state", "node_id"])


def downgrade() -> None:
    op.drop_index("runs_by_state_node", table_name="runs")
    op.drop_index("runs_by_job_state", table_name="runs")
    op.execute(
        "CREATE INDEX runs_active ON runs (state, job_id) "
        "WHERE state IN ('WAITING','STARTING','RUNNING','STOPPING')"
    )
