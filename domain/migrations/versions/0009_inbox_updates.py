"""inbox_updates: every inbound update stored before it is acknowledged to its platform

Revision ID: 0009
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("lane", sa.String(length=128), nullable=False),
        sa.Column("external_user_id", sa.String(length=128), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_updates")),
        sa.UniqueConstraint("key", name=op.f("uq_inbox_updates_key")),
    )
    with op.batch_alter_table("inbox_updates", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_updates_status_next", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_inbox_updates_lane", ["platform", "lane", "id"], unique=False)
        batch_op.create_index("ix_inbox_updates_sender", ["platform", "external_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbox_updates_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_updates_received_at"))
        batch_op.drop_index("ix_inbox_updates_sender")
        batch_op.drop_index("ix_inbox_updates_lane")
        batch_op.drop_index("ix_inbox_updates_status_next")
    op.drop_table("inbox_updates")
