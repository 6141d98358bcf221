"""booking: coach availability, booked sessions (one hold per coach and start), sessions a program includes

Revision ID: 0022
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coach_availability",
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["coaches.id"], name=op.f("fk_coach_availability_coach_id_coaches")
        ),
        sa.PrimaryKeyConstraint("coach_id", name=op.f("pk_coach_availability")),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("video_url", sa.String(length=500), nullable=False),
        sa.Column("paid_by", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_bookings_client_id_clients")),
        sa.ForeignKeyConstraint(["coach_id"], ["coaches.id"], name=op.f("fk_bookings_coach_id_coaches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("coach_id", "held_start", name=op.f("uq_bookings_coach_id_held_start")),
        sa.UniqueConstraint("token", name=op.f("uq_bookings_token")),
    )
    op.create_index("ix_bookings_coach_id_starts_at", "bookings", ["coach_id", "starts_at"])
    op.create_index("ix_bookings_client_id_starts_at", "bookings", ["client_id", "starts_at"])
    op.add_column(
        "programs", sa.Column("sessions_included", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("programs") as batch:
        batch.drop_column("sessions_included")
    op.drop_index("ix_bookings_client_id_starts_at", table_name="bookings")
    op.drop_index("ix_bookings_coach_id_starts_at", table_name="bookings")
    op.drop_table("bookings")
    op.drop_table("coach_availability")
