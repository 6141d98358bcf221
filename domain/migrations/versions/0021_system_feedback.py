"""system feedback: what clients say about the bot itself, for the admins (``/feedback``)

Revision ID: 0021
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "system_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_system_feedback_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_feedback")),
    )
    with op.batch_alter_table("system_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_system_feedback_client_id"), ["client_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("system_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_system_feedback_client_id"))
    op.drop_table("system_feedback")
