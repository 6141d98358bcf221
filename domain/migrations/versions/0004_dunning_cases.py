"""dunning cases for failed subscription renewals

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dunning_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("provider_invoice_id", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pause_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_dunning_cases_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_cases")),
        sa.UniqueConstraint(
            "subscription_id",
            "provider_invoice_id",
            name=op.f("uq_dunning_cases_subscription_id_provider_invoice_id"),
        ),
    )
    with op.batch_alter_table("dunning_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dunning_cases_pause_at"), ["pause_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dunning_cases_subscription_id"), ["subscription_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("dunning_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dunning_cases_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_dunning_cases_pause_at"))
    op.drop_table("dunning_cases")
