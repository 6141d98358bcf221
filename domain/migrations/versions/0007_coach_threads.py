"""coach threads (one chat thread per client in the coach's workspace)

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coach_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("thread_ref", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_coach_threads_client_id_clients")
        ),
        sa.ForeignKeyConstraint(["coach_id"], ["coaches.id"], name=op.f("fk_coach_threads_coach_id_coaches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_threads")),
        sa.UniqueConstraint(
            "platform", "channel_id", "client_id", name=op.f("uq_coach_threads_platform_channel_id_client_id")
        ),
    )
    with op.batch_alter_table("coach_threads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coach_threads_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coach_threads_coach_id"), ["coach_id"], unique=False)
        batch_op.create_index(
            "ix_coach_threads_platform_channel_id_thread_ref",
            ["platform", "channel_id", "thread_ref"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("coach_threads", schema=None) as batch_op:
        batch_op.drop_index("ix_coach_threads_platform_channel_id_thread_ref")
        batch_op.drop_index(batch_op.f("ix_coach_threads_coach_id"))
        batch_op.drop_index(batch_op.f("ix_coach_threads_client_id"))
    op.drop_table("coach_threads")
