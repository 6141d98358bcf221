"""Pending reminders get their own index, (due_at, id) where status = 'pending', for the dispatch claim

It replaces ix_reminders_status_due_at (status, due_at). The claim takes the oldest due reminders
``ORDER BY due_at, id LIMIT n``, and reminders share due times by the thousand (everyone's 08:00 in a
zone): with the id in the index it reads its batch and stops, where PostgreSQL sorted every due row
of such an instant for each batch. Holding only pending rows, the index cannot lure the query planner
into reading all sent reminders to count one client's missed streak (quadratic, after statistics
were taken before anything was sent); those queries use ix_reminders_client_kind_status_due.

Revision ID: 0042
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0042"
down_revision = "0001"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_status_due_at")
        batch_op.create_index(
            "ix_reminders_pending_due",
            ["due_at", "id"],
            unique=False,
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_pending_due")
        batch_op.create_index("ix_reminders_status_due_at", ["status", "due_at"], unique=False)
