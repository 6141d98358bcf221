"""cohort groups: a program's group chat, the members' weekly answers, the leaderboard opt-in

Revision ID: 0032
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cohort_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("link_code", sa.String(length=32), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["coach_id"], ["coaches.id"], name=op.f("fk_cohort_groups_coach_id_coaches")),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_cohort_groups_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_groups")),
        sa.UniqueConstraint("link_code", name=op.f("uq_cohort_groups_link_code")),
        sa.UniqueConstraint("platform", "chat_id", name=op.f("uq_cohort_groups_platform_chat_id")),
    )
    with op.batch_alter_table("cohort_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_groups_coach_id"), ["coach_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cohort_groups_program_id"), ["program_id"], unique=False)
    op.create_table(
        "cohort_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_group_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("external_user_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_cohort_replies_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["cohort_group_id"],
            ["cohort_groups.id"],
            name=op.f("fk_cohort_replies_cohort_group_id_cohort_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_replies")),
        sa.UniqueConstraint(
            "cohort_group_id",
            "week",
            "external_user_id",
            name=op.f("uq_cohort_replies_cohort_group_id_week_external_user_id"),
        ),
    )
    with op.batch_alter_table("cohort_replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_replies_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cohort_replies_cohort_group_id"), ["cohort_group_id"], unique=False
        )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cohort_leaderboard", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("cohort_leaderboard")
    with op.batch_alter_table("cohort_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_replies_cohort_group_id"))
        batch_op.drop_index(batch_op.f("ix_cohort_replies_client_id"))
    op.drop_table("cohort_replies")
    with op.batch_alter_table("cohort_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_groups_program_id"))
        batch_op.drop_index(batch_op.f("ix_cohort_groups_coach_id"))
    op.drop_table("cohort_groups")
