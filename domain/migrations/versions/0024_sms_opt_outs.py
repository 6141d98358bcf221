"""sms opt-outs: phone numbers that answered STOP (no SMS to them until START)

Revision ID: 0024
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_number", sa.String(length=16), nullable=False),
        sa.Column("keyword", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_opt_outs")),
        sa.UniqueConstraint("phone_number", name=op.f("uq_sms_opt_outs_phone_number")),
    )


def downgrade() -> None:
    op.drop_table("sms_opt_outs")
