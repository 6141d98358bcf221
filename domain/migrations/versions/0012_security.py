"""security: rejected requests counted per source and minute; audit events indexed by time

``audit_events.count`` lets one row stand for every request an endpoint refused in one minute (a
unique partial index keeps it one row), so unauthenticated traffic cannot grow the database; the
index on ``at`` serves the retention purge and ``coach audit list --since``.

Revision ID: 0012
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0001"
branch_labels = None
depends_on = None

REJECTED = sa.text("action = 'request.rejected'")


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("count", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
    op.create_index(
        "ux_audit_events_rejected_minute",
        "audit_events",
        ["action", "subject", "at"],
        unique=True,
        sqlite_where=REJECTED,
        postgresql_where=REJECTED,
    )


def downgrade() -> None:
    op.drop_index("ux_audit_events_rejected_minute", table_name="audit_events")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))
        batch_op.drop_column("count")
