"""Key rotation for encryption at rest: every encrypted column re-written with the newest key.

``coach keys rotate`` runs :func:`rotate_keys` after a new key was put in front of
``COACH_ENCRYPTION_KEYS``. It walks each table by primary key in batches (one short transaction per
batch, so the service keeps running) and re-writes only what is not yet encrypted with the newest key:
values from before encryption was turned on, and values under an older key. Run again, it changes
nothing. Afterwards the older keys can be dropped from the setting.

Clients' files in ``COACH_STORAGE_DIR`` are re-encrypted the same way by :func:`rotate_stored_files`,
each written to a temporary file and renamed over the old one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Text, func, select, type_coerce, update

from domain.crypto import JSON_KEY, EncryptedJSON, Keyring, UnreadableValue, active_keyring
from domain.db import Database
from domain.models import (
    Announcement,
    CheckIn,
    CheckInAnswer,
    Client,
    CoachCalendar,
    CoachFeedback,
    CoachNote,
    Feedback,
    Goal,
    InboxUpdate,
    Message,
    OutboundMessage,
    ProcessedMessage,
    StoredFile,
    SupportMessage,
    SystemFeedback,
)
from domain.services.audit import record_audit_event
from domain.services.files import inside_storage, replace_file, unlink_stored_files

ROTATION_BATCH = 500
# Files per batch: each is read, decrypted and written again whole (up to 20 MB), so fewer than rows.
FILE_ROTATION_BATCH = 50
# (table, column) of every encrypted value; a test checks this list against the models.
ENCRYPTED_COLUMNS: tuple[tuple[Any, str], ...] = (
    (CheckIn, "note"),
    (Message, "text"),
    (Goal, "text"),
    (Feedback, "comment"),
    (SystemFeedback, "text"),
    (CoachFeedback, "comment"),
    (Client, "assessment"),
    (InboxUpdate, "payload"),
    (CheckInAnswer, "value"),
    (CoachNote, "text"),
    (CheckIn, "attachments"),
    (Message, "attachments"),
    (StoredFile, "file_name"),
    (CoachCalendar, "caldav_password"),
    (Announcement, "text"),
    (SupportMessage, "text"),
    (OutboundMessage, "payload"),
    (ProcessedMessage, "replies"),
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
    return raw not in ([], {})  # a plain JSON value (before encryption); empty ones stay plain


async def rotate_keys(
    db: Database, *, batch_size: int = ROTATION_BATCH, actor: str = "cli"
) -> dict[str, int]:
    """Re-encrypt with the newest key; values re-written per table. Raises :class:`NoKeys`."""
    keyring = active_keyring()
    if keyring is None:
        raise NoKeys("COACH_ENCRYPTION_KEYS is not set")
    rewritten: dict[str, int] = {}
    for model, name in ENCRYPTED_COLUMNS:
        table = model.__table__
        column: Column[Any] = table.c[name]
        raw_type: JSON | Text = JSON() if isinstance(column.type, EncryptedJSON) else Text()
        keep: dict[str, Any] = {"updated_at": table.c.updated_at} if "updated_at" in table.c else {}
        (pk,) = table.primary_key.columns  # an id, or processed_messages' idempotency key
        last: Any = None
        count = 0
        while True:
            async with db.unit_of_work() as session:
                batch = select(pk, type_coerce(column, raw_type), column).order_by(pk).limit(batch_size)
                rows = (await session.execute(batch if last is None else batch.where(pk > last))).all()
                for row_id, raw, value in rows:
                    if _needs_rotation(raw, keyring):
                        await session.execute(update(table).where(pk == row_id).values({name: value, **keep}))
                        count += 1
            if len(rows) < batch_size:
                break
            last = rows[-1][0]
        rewritten[table.name] = rewritten.get(table.name, 0) + count  # values, over its columns
    async with db.unit_of_work() as session:
        await record_audit_event(
            session, actor=actor, action="keys.rotated", subject="encryption", details=rewritten
        )
    return rewritten


class FileOutcome(StrEnum):
    REWRITTEN = "rewritten"
    CURRENT = "current"  # already under the newest key
    MISSING = "missing"  # gone from disk (purged or erased meanwhile)
    UNREADABLE = "unreadable"  # encrypted with a key that is no longer configured
    REFUSED = "refused"  # its path leaves the storage directory: left alone


@dataclass(frozen=True, slots=True)
class FilesRotated:
    """What ``coach keys rotate`` did to the stored files (counts only)."""

    total: int = 0
    rewritten: int = 0
    current: int = 0
    missing: int = 0
    unreadable: int = 0
    refused: int = 0


def _reencrypt(raw_path: str, storage_dir: Path | str, keyring: Keyring) -> FileOutcome:
    """Blocking: one file re-encrypted with the newest key (plaintext from before encryption too)."""
    path = inside_storage(raw_path, storage_dir)
    if path is None:
        return FileOutcome.REFUSED
    try:
        stored = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return FileOutcome.MISSING
    if keyring.is_current_bytes(stored):
        return FileOutcome.CURRENT
    try:
        plain = keyring.decrypt_bytes(stored)
    except UnreadableValue:
        return FileOutcome.UNREADABLE
    replace_file(path, keyring.encrypt_bytes(plain))
    return FileOutcome.REWRITTEN


async def rotate_stored_files(
    db: Database,
    storage_dir: Path | str,
    *,
    batch_size: int = FILE_ROTATION_BATCH,
    actor: str = "cli",
    progress: Callable[[int, int], None] | None = None,
) -> FilesRotated:
    """Re-encrypt every stored file with the newest key, ``batch_size`` files at a time, calling
    ``progress(done, total)`` after each batch. Raises :class:`NoKeys`.

    A file is replaced atomically (temporary file, then rename). If its row was erased or purged while
    it was being rewritten, the rename may have brought back a file the eraser had just deleted, so
    after each batch the files of rows that are gone are deleted again.
    """
    keyring = active_keyring()
    if keyring is None:
        raise NoKeys("COACH_ENCRYPTION_KEYS is not set")
    async with db.sessions() as session:
        total = int(await session.scalar(select(func.count()).select_from(StoredFile)) or 0)
    counts = dict.fromkeys(FileOutcome, 0)
    done = last = 0
    while True:
        async with db.sessions() as session:
            rows = (
                await session.execute(
                    select(StoredFile.id, StoredFile.path)
                    .where(StoredFile.id > last)
                    .order_by(StoredFile.id)
                    .limit(batch_size)
                )
            ).all()
        if not rows:
            break
        rewritten: dict[int, str] = {}
        for row_id, raw_path in rows:
            if not raw_path:
                continue
            outcome = await asyncio.to_thread(_reencrypt, raw_path, storage_dir, keyring)
            counts[outcome] += 1
            if outcome is FileOutcome.REWRITTEN:
                rewritten[row_id] = raw_path
        if rewritten:
            async with db.sessions() as session:
                kept = set(
                    (await session.scalars(select(StoredFile.id).where(StoredFile.id.in_(rewritten)))).all()
                )
            gone = [path for row_id, path in rewritten.items() if row_id not in kept]
            if gone:
                await asyncio.to_thread(unlink_stored_files, gone, storage_dir)
        done += len(rows)
        last = rows[-1][0]
        if progress is not None:
            progress(done, max(total, done))
        if len(rows) < batch_size:
            break
    result = FilesRotated(total=done, **{outcome.value: n for outcome, n in counts.items()})
    async with db.unit_of_work() as session:
        await record_audit_event(
            session, actor=actor, action="keys.rotated", subject="stored_files", details=asdict(result)
        )
    return result
