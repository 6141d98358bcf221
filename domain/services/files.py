"""Files clients send: the platform's handle plus where we keep our copy.

On disk a file is encrypted with ``COACH_ENCRYPTION_KEYS`` when they are set (domain.crypto): it is
written by :func:`write_stored_file` and read back by :func:`read_stored_file`, never with ``open``
directly. Files written before encryption was turned on are read as they are.

Forgetting a file is two steps: its row is deleted (with an audit event) inside the caller's
transaction, which returns the paths; after the commit the caller unlinks them with
:func:`unlink_stored_files`. A crash in between leaves an unreferenced file, never a row without one
that someone could try to send.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.crypto import conceal_bytes, reveal_bytes
from domain.models import StoredFile
from domain.services.audit import record_audit_event
from domain.services.clients import find_client_by_identity

log = logging.getLogger(__name__)


def write_stored_file(path: Path, content: bytes) -> None:
    """Keep a client's file at ``path`` (encrypted when keys are configured). Blocking: run it in a
    thread."""
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, conceal_bytes(content))


def read_stored_file(path: Path | str) -> bytes:
    """A stored file's content as the client sent it. Blocking: run it in a thread.

    Raises ``FileNotFoundError`` when it is gone, and :class:`domain.crypto.UnreadableValue` when it is
    encrypted with a key that is not in ``COACH_ENCRYPTION_KEYS``."""
    return reveal_bytes(Path(path).read_bytes())


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``: a reader, or a
    crash, sees the old content or the new one, never half of either."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with temporary.open("xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


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
    removed = missing = refused = failed = 0
    for raw in paths:
        if not raw:
            continue
        lexical = inside_storage(raw, storage_dir)
        if lexical is None:
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


def inside_storage(raw: str, storage_dir: Path | str) -> Path | None:
    """``raw`` as an absolute path when it lies inside ``storage_dir`` both as written and with
    symlinks followed (relative paths resolved against the working directory, as they were written);
    None when it leaves it."""
    try:
        lexical, real = Path(os.path.abspath(raw)), Path(raw).resolve()
        lexical_root, real_root = Path(os.path.abspath(storage_dir)), Path(storage_dir).resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte
        return None
    if _strictly_inside(lexical, lexical_root) and _strictly_inside(real, real_root):
        return lexical
    return None


def _strictly_inside(path: Path, root: Path) -> bool:
    return path != root and path.is_relative_to(root)
