"""stored file names encrypted at rest: ``stored_files.file_name`` becomes unbounded text

A Fernet token is longer than the 256 characters the name had; the value itself is encrypted by the
column type (domain.crypto.EncryptedText) and existing names by ``coach keys rotate``. A downgrade
fails on PostgreSQL while encrypted names are stored (they do not fit the old length).

Revision ID: 0019
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.alter_column(
            "file_name", existing_type=sa.String(length=256), type_=sa.Text(), existing_nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.alter_column(
            "file_name", existing_type=sa.Text(), type_=sa.String(length=256), existing_nullable=True
        )
