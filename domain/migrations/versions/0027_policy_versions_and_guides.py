"""policy versions clients re-consent to, and coach-facing guides with their read marks

Revision ID: 0027
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_policy_versions_version")),
    )
    op.create_table(
        "guides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guides")),
        sa.UniqueConstraint("slug", name=op.f("uq_guides_slug")),
    )
    op.create_table(
        "guide_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["coach_id"], ["coaches.id"], name=op.f("fk_guide_reads_coach_id_coaches")),
        sa.ForeignKeyConstraint(["guide_id"], ["guides.id"], name=op.f("fk_guide_reads_guide_id_guides")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guide_reads")),
        sa.UniqueConstraint("coach_id", "guide_id", name=op.f("uq_guide_reads_coach_id_guide_id")),
    )
    with op.batch_alter_table("guide_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guide_reads_coach_id"), ["coach_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_guide_reads_guide_id"), ["guide_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("guide_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guide_reads_guide_id"))
        batch_op.drop_index(batch_op.f("ix_guide_reads_coach_id"))
    op.drop_table("guide_reads")
    op.drop_table("guides")
    op.drop_table("policy_versions")
