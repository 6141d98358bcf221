"""indexes for the hot paths at 100,000 clients

Reminder planning reads a chunk of clients' pending rows and dispatch counts a client's sent
check-in reminders (reminders by client, kind, status, due time; it replaces the index on client_id
alone, one index less to maintain for every planned row); dispatch, digests and App Home ask whether
and when a client checked in (check-ins by client and time).

Revision ID: 0014
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_reminders_client_kind_status_due",
        "reminders",
        ["client_id", "kind", "status", "due_at"],
        unique=False,
    )
    op.drop_index("ix_reminders_client_id", table_name="reminders")
    op.create_index("ix_check_ins_client_created", "check_ins", ["client_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_check_ins_client_created", table_name="check_ins")
    op.create_index("ix_reminders_client_id", "reminders", ["client_id"], unique=False)
    op.drop_index("ix_reminders_client_kind_status_due", table_name="reminders")
