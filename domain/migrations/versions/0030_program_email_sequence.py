"""program email sequences: each program version keeps the emails of its front matter's email_sequence

Revision ID: 0030
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0013"  # program_versions is created there
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("program_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_sequence", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("program_versions", schema=None) as batch_op:
        batch_op.drop_column("email_sequence")
