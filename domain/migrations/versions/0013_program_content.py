"""program content: versions, steps, files, enrollment progress and program check-in answers

Revision ID: 0013
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0001"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "program_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("checkin_questions", sa.JSON(), nullable=False),
        sa.Column("publish_note", sa.Text(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("published_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_program_versions_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_versions")),
        sa.UniqueConstraint("program_id", "number", name=op.f("uq_program_versions_program_id_number")),
    )
    op.create_index(op.f("ix_program_versions_program_id"), "program_versions", ["program_id"])
    op.create_table(
        "program_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tasks", sa.JSON(), nullable=False),
        sa.Column("resource_paths", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["program_versions.id"], name=op.f("fk_program_steps_version_id_program_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_steps")),
        sa.UniqueConstraint("version_id", "position", name=op.f("uq_program_steps_version_id_position")),
    )
    op.create_index(op.f("ix_program_steps_version_id"), "program_steps", ["version_id"])
    op.create_table(
        "program_resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("file_name", sa.String(length=256), nullable=False),
        sa.Column("mime_type", sa.String(length=128), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["program_versions.id"],
            name=op.f("fk_program_resources_version_id_program_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_resources")),
        sa.UniqueConstraint("version_id", "path", name=op.f("uq_program_resources_version_id_path")),
    )
    op.create_index(op.f("ix_program_resources_version_id"), "program_resources", ["version_id"])
    op.create_table(
        "enrollment_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("completed_at", _utc(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_enrollment_progress_enrollment_id_enrollments"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["program_versions.id"],
            name=op.f("fk_enrollment_progress_version_id_program_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment_progress")),
        sa.UniqueConstraint("enrollment_id", name=op.f("uq_enrollment_progress_enrollment_id")),
    )
    op.create_index(op.f("ix_enrollment_progress_version_id"), "enrollment_progress", ["version_id"])
    op.create_table(
        "step_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("released_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"], ["enrollments.id"], name=op.f("fk_step_releases_enrollment_id_enrollments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_releases")),
        sa.UniqueConstraint(
            "enrollment_id", "step_key", name=op.f("uq_step_releases_enrollment_id_step_key")
        ),
    )
    op.create_index(
        "ix_step_releases_enrollment_id_released_at", "step_releases", ["enrollment_id", "released_at"]
    )
    op.create_table(
        "task_ticks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=200), nullable=False),
        sa.Column("task", sa.String(length=300), nullable=False),
        sa.Column("ticked_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"], ["enrollments.id"], name=op.f("fk_task_ticks_enrollment_id_enrollments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_ticks")),
        sa.UniqueConstraint(
            "enrollment_id", "step_key", "task", name=op.f("uq_task_ticks_enrollment_id_step_key_task")
        ),
    )
    op.create_index(op.f("ix_task_ticks_enrollment_id"), "task_ticks", ["enrollment_id"])
    op.create_table(
        "checkin_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_in_id"], ["check_ins.id"], name=op.f("fk_checkin_answers_check_in_id_check_ins")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_checkin_answers_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_answers")),
        sa.UniqueConstraint("check_in_id", "key", name=op.f("uq_checkin_answers_check_in_id_key")),
    )
    op.create_index(op.f("ix_checkin_answers_check_in_id"), "checkin_answers", ["check_in_id"])
    op.create_index(op.f("ix_checkin_answers_client_id"), "checkin_answers", ["client_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_checkin_answers_client_id"), table_name="checkin_answers")
    op.drop_index(op.f("ix_checkin_answers_check_in_id"), table_name="checkin_answers")
    op.drop_table("checkin_answers")
    op.drop_index(op.f("ix_task_ticks_enrollment_id"), table_name="task_ticks")
    op.drop_table("task_ticks")
    op.drop_index("ix_step_releases_enrollment_id_released_at", table_name="step_releases")
    op.drop_table("step_releases")
    op.drop_index(op.f("ix_enrollment_progress_version_id"), table_name="enrollment_progress")
    op.drop_table("enrollment_progress")
    op.drop_index(op.f("ix_program_resources_version_id"), table_name="program_resources")
    op.drop_table("program_resources")
    op.drop_index(op.f("ix_program_steps_version_id"), table_name="program_steps")
    op.drop_table("program_steps")
    op.drop_index(op.f("ix_program_versions_program_id"), table_name="program_versions")
    op.drop_table("program_versions")
