"""Files clients send: the platform's handle plus where we keep our copy.

Forgetting a file is two steps: its row is deleted (with an audit event) inside the caller's
transaction, which returns the paths; after the commit the caller unlinks them with
:func:`unlink_stored_files`. A crash in between leaves an unreferenced file, never a row without one
that someone could try to send.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import StoredFile
from domain.services.audit import record_audit_event
from domain.services.clients import find_client_by_identity

log = logging.getLogger(__name__)


async def record_stored_file(
    session: AsyncSession,
    *,
    platform: str,
    external_user_id: str,
    file_id: str,
    kind: str,
    mime_type: str | None,
    size_bytes: int,
    file_name: str | None,
    path: str,
) -> StoredFile:
    """Store a downloaded file, linked to the sender's client record when they have one."""
    client = await find_client_by_identity(session, platform, external_user_id)
    row = StoredFile(
        client_id=client.id if client is not None else None,
        platform=platform,
        file_id=file_id,
        kind=kind,
        mime_type=mime_type,
        size_bytes=size_bytes,
        file_name=file_name,
        path=path,
    )
    session.add(row)
    await session.flush()
    return row


async def find_stored_files(session: AsyncSession, ids: Sequence[int]) -> Sequence[StoredFile]:
    """The stored files with these ids (unknown ids are left out), in the order they were stored."""
    return (
        await session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)).order_by(StoredFile.id))
    ).all()


async def delete_stored_file_rows(session: AsyncSession, *where: Any) -> list[str]:
    """Delete the stored-file rows matching ``where``; returns the paths to unlink after the commit."""
    result = await session.execute(delete(StoredFile).where(*where).returning(StoredFile.path))
    return [path or "" for path in result.scalars().all()]


async def erase_client_files(session: AsyncSession, client_id: int, *, actor: str) -> list[str]:
    """Forget every file a client sent (erasure): rows now, paths returned for after the commit."""
    paths = await delete_stored_file_rows(session, StoredFile.client_id == client_id)
    if paths:
        await record_audit_event(
            session,
            actor=actor,
            action="client.files_erased",
            subject=f"client:{client_id}",
            details={"files": len(paths)},
        )
    return paths


@dataclass(frozen=True, slots=True)
class Unlinked:
    removed: int = 0
    missing: int = 0
    """Already gone from disk: not an error."""
    refused: int = 0
    """Outside the storage directory (or not a file): left alone."""
    failed: int = 0


def unlink_stored_files(paths: Iterable[str], storage_dir: Path | str) -> Unlinked:
    """Delete these files from disk, only inside ``storage_dir`` (blocking: run it in a thread).

    A path is resolved (relative ones against the working directory, as they were written) both as
    written and with symlinks followed; either one leaving ``storage_dir`` is refused.
    """
    lexical_root = Path(os.path.abspath(storage_dir))
    real_root = Path(storage_dir).resolve()
    removed = missing = refused = failed = 0
    for raw in paths:
        if not raw:
            continue
        try:
            lexical, real = Path(os.path.abspath(raw)), Path(raw).resolve()
        except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte
            refused += 1
            continue
        if not (_strictly_inside(lexical, lexical_root) and _strictly_inside(real, real_root)):
            refused += 1
            continue
        try:
            if lexical.is_dir():
                refused += 1
                continue
            lexical.unlink()
            removed += 1
        except FileNotFoundError:
            missing += 1
        except OSError:
            failed += 1
    if refused or failed:
        # Counts only: paths may name a client's file.
        log.warning(
            "left %d stored files outside the storage directory, failed to delete %d", refused, failed
        )
    return Unlinked(removed, missing, refused, failed)


def _strictly_inside(path: Path, root: Path) -> bool:
    return path != root and path.is_relative_to(root)
