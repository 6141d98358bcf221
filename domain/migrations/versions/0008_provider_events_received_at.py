"""index provider_events.received_at and stored_files.created_at for the retention purge

The hourly purge deletes provider events and clients' files by age; without these indexes it scans
the whole tables.
(processed_messages.created_at, the other purge's column, is indexed since 0001.)

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provider_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_events_received_at"), ["received_at"], unique=False)
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stored_files_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_files_created_at"))
    with op.batch_alter_table("provider_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_events_received_at"))
