"""web workspace: coach roles, one-time login codes, browser sessions, private coach notes

Revision ID: 0015
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coaches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=16), server_default="coach", nullable=False))
    op.create_table(
        "login_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_via", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["coach_id"], ["coaches.id"], name=op.f("fk_login_codes_coach_id_coaches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_login_codes_code_hash")),
    )
    op.create_index(op.f("ix_login_codes_coach_id"), "login_codes", ["coach_id"], unique=False)
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["coach_id"], ["coaches.id"], name=op.f("fk_web_sessions_coach_id_coaches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    op.create_index(op.f("ix_web_sessions_coach_id"), "web_sessions", ["coach_id"], unique=False)
    op.create_table(
        "coach_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_coach_notes_client_id_clients")),
        sa.ForeignKeyConstraint(["coach_id"], ["coaches.id"], name=op.f("fk_coach_notes_coach_id_coaches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_notes")),
    )
    op.create_index("ix_coach_notes_client_created", "coach_notes", ["client_id", "created_at"], unique=False)
    op.create_index(op.f("ix_coach_notes_coach_id"), "coach_notes", ["coach_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_coach_notes_coach_id"), table_name="coach_notes")
    op.drop_index("ix_coach_notes_client_created", table_name="coach_notes")
    op.drop_table("coach_notes")
    op.drop_index(op.f("ix_web_sessions_coach_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_index(op.f("ix_login_codes_coach_id"), table_name="login_codes")
    op.drop_table("login_codes")
    with op.batch_alter_table("coaches", schema=None) as batch_op:
        batch_op.drop_column("role")
