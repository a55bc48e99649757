"""The queue index: a job's WAITING runs in order, so admission reads only the runs it admits.

(job_id, state, seq) replaces (job_id, state): it serves the same lookups, and PostgreSQL can
read the oldest few waiting runs of a job without sorting all of them.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("runs_by_job_state_seq", "runs", ["job_id", "state", "seq"])
    op.drop_index("runs_by_job_state", table_name="runs")


def downgrade() -> None:
    op.create_index("runs_by_job_state", "runs", ["job_id", "state"])
    op.drop_index("runs_by_job_state_seq", table_name="runs")
