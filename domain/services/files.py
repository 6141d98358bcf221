"""Files clients send: the platform's handle plus where we keep our copy."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import StoredFile
from domain.services.clients import find_client_by_identity


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
