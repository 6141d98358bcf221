"""coach feedback: a coach's reaction or comment on one check-in, sent to the client

Revision ID: 0031
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coach_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reaction", sa.String(length=16), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("request_key", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_in_id"], ["check_ins.id"], name=op.f("fk_coach_feedback_check_in_id_check_ins")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_coach_feedback_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["coaches.id"], name=op.f("fk_coach_feedback_coach_id_coaches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_feedback")),
        sa.UniqueConstraint("request_key", name=op.f("uq_coach_feedback_request_key")),
    )
    with op.batch_alter_table("coach_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coach_feedback_check_in_id"), ["check_in_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coach_feedback_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coach_feedback_coach_id"), ["coach_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coach_feedback_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("coach_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coach_feedback_created_at"))
        batch_op.drop_index(batch_op.f("ix_coach_feedback_coach_id"))
        batch_op.drop_index(batch_op.f("ix_coach_feedback_client_id"))
        batch_op.drop_index(batch_op.f("ix_coach_feedback_check_in_id"))
    op.drop_table("coach_feedback")
