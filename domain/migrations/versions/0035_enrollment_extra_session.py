"""enrollments.extra_session: an enrollment that is one more session bought, not a program followed

Program metrics (completion rate, enrolled, completed, churn) skip these. Purchases made before this
revision are marked by the coach's current extra_session_program (coach_availability.settings).

Revision ID: 0035
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("extra_session", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("coach_availability"):
        return
    availability = sa.table(
        "coach_availability", sa.column("coach_id", sa.Integer), sa.column("settings", sa.JSON)
    )
    programs = sa.table("programs", sa.column("id", sa.Integer), sa.column("coach_id", sa.Integer))
    enrollments = sa.table(
        "enrollments", sa.column("program_id", sa.Integer), sa.column("extra_session", sa.Boolean)
    )
    for coach_id, settings in bind.execute(sa.select(availability.c.coach_id, availability.c.settings)):
        data = json.loads(settings) if isinstance(settings, str) else settings
        program_id = (data or {}).get("extra_session_program")
        if program_id is None:
            continue
        bind.execute(
            enrollments.update()
            .where(
                enrollments.c.program_id == int(program_id),
                enrollments.c.program_id.in_(sa.select(programs.c.id).where(programs.c.coach_id == coach_id)),
            )
            .values(extra_session=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("extra_session")
