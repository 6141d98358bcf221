"""payment refunds: one row per refund with its time, so revenue is dated by refund

Payments refunded before this keep one row with their total, dated by the payment's last change
(the best the old rows know).

Revision ID: 0017a
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017a"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_refunds_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_refunds")),
    )
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_refunds_payment_id"), ["payment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_refunds_at"), ["at"], unique=False)
    op.execute(
        "INSERT INTO payment_refunds (payment_id, amount_minor, currency, at) "
        "SELECT id, refunded_minor, currency, updated_at FROM payments WHERE refunded_minor > 0"
    )


def downgrade() -> None:
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_refunds_at"))
        batch_op.drop_index(batch_op.f("ix_payment_refunds_payment_id"))
    op.drop_table("payment_refunds")
