"""Key rotation for encryption at rest: every encrypted column re-written with the newest key.

``coach keys rotate`` runs :func:`rotate_keys` after a new key was put in front of
``COACH_ENCRYPTION_KEYS``. It walks each table by primary key in batches (one short transaction per
batch, so the service keeps running) and re-writes only what is not yet encrypted with the newest key:
values from before encryption was turned on, and values under an older key. Run again, it changes
nothing. Afterwards the older keys can be dropped from the setting.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Text, select, type_coerce, update

from domain.crypto import JSON_KEY, EncryptedJSON, Keyring, active_keyring
from domain.db import Database
from domain.models import CheckIn, CheckInAnswer, Client, Feedback, Goal, InboxUpdate, Message
from domain.services.audit import record_audit_event

ROTATION_BATCH = 500
# (table, column) of every encrypted value; a test checks this list against the models.
ENCRYPTED_COLUMNS: tuple[tuple[Any, str], ...] = (
    (CheckIn, "note"),
    (Message, "text"),
    (Goal, "text"),
    (Feedback, "comment"),
    (Client, "assessment"),
    (InboxUpdate, "payload"),
    (CheckInAnswer, "value"),
)


class NoKeys(Exception):
    """Rotation needs COACH_ENCRYPTION_KEYS."""


def _needs_rotation(raw: Any, keyring: Keyring) -> bool:
    if raw is None:
        return False
    if isinstance(raw, dict) and set(raw) == {JSON_KEY}:
        return not keyring.is_current(str(raw[JSON_KEY]))
    if isinstance(raw, str):
        return not keyring.is_current(raw)
    return True  # a plain JSON value (before encryption)


async def rotate_keys(
    db: Database, *, batch_size: int = ROTATION_BATCH, actor: str = "cli"
) -> dict[str, int]:
    """Re-encrypt with the newest key; rows re-written per table. Raises :class:`NoKeys`."""
    keyring = active_keyring()
    if keyring is None:
        raise NoKeys("COACH_ENCRYPTION_KEYS is not set")
    rewritten: dict[str, int] = {}
    for model, name in ENCRYPTED_COLUMNS:
        table = model.__table__
        column: Column[Any] = table.c[name]
        raw_type: JSON | Text = JSON() if isinstance(column.type, EncryptedJSON) else Text()
        keep: dict[str, Any] = {"updated_at": table.c.updated_at} if "updated_at" in table.c else {}
        pk = table.c.id
        last = 0
        count = 0
        while True:
            async with db.unit_of_work() as session:
                rows = (
                    await session.execute(
                        select(pk, type_coerce(column, raw_type), column)
                        .where(pk > last)
                        .order_by(pk)
                        .limit(batch_size)
                    )
                ).all()
                for row_id, raw, value in rows:
                    if _needs_rotation(raw, keyring):
                        await session.execute(update(table).where(pk == row_id).values({name: value, **keep}))
                        count += 1
            if len(rows) < batch_size:
                break
            last = rows[-1][0]
        rewritten[table.name] = count
    async with db.unit_of_work() as session:
        await record_audit_event(
            session, actor=actor, action="keys.rotated", subject="encryption", details=rewritten
        )
    return rewritten
