"""outbox payloads encrypted at rest: ``outbound_messages.client_id`` beside the payload

Queued messages hold what clients wrote (a relayed note, a reply quoting them) and sign-in links, so
``outbound_messages.payload`` and ``processed_messages.replies`` are now encrypted by their column type
(domain.crypto.EncryptedJSON); both stay JSON columns, and rows stored in plain text before are read
as they are (``coach keys rotate`` encrypts them). Erasure found a client's notices by the payload's
``client_id``, which an encrypted payload hides: it is copied here into a plain, indexed column.

Revision ID: 0033
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbound_messages_client_id"), ["client_id"], unique=False)
    # Rows queued before: their payloads are still plain JSON.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE outbound_messages SET client_id = (payload->>'client_id')::integer "
            "WHERE json_typeof(payload) = 'object' AND json_typeof(payload->'client_id') = 'number'"
        )
    else:
        op.execute(
            "UPDATE outbound_messages SET client_id = json_extract(payload, '$.client_id') "
            "WHERE json_valid(payload) AND json_type(payload, '$.client_id') = 'integer'"
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_messages_client_id"))
        batch_op.drop_column("client_id")
