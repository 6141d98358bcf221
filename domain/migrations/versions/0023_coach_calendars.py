"""coach calendars: the private iCal feed (token hash) and the coach's own CalDAV calendar (encrypted
password, busy times last read)

Revision ID: 0023
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coach_calendars",
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("feed_token_hash", sa.String(length=64), nullable=True),
        sa.Column("feed_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("caldav_url", sa.String(length=500), nullable=True),
        sa.Column("caldav_username", sa.String(length=200), nullable=True),
        sa.Column("caldav_password", sa.Text(), nullable=True),
        sa.Column("busy", sa.JSON(), nullable=False),
        sa.Column("busy_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sync_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["coaches.id"], name=op.f("fk_coach_calendars_coach_id_coaches")
        ),
        sa.PrimaryKeyConstraint("coach_id", name=op.f("pk_coach_calendars")),
        sa.UniqueConstraint("feed_token_hash", name=op.f("uq_coach_calendars_feed_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("coach_calendars")
