"""coach capacity: the most active clients a coach takes (NULL: no limit)

New clients without an invite code go to the least-loaded coach with room (domain.services.capacity).

Revision ID: 0017
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("coaches", sa.Column("capacity", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coaches") as batch:
        batch.drop_column("capacity")
