"""Which clients a coach may see: their own; an admin sees every client."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Client
from domain.models.enums import ClientStatus


async def visible_client(
    session: AsyncSession, client_id: int, *, coach_id: int, is_admin: bool
) -> Client | None:
    """The client when this coach may see them, else None (no such client, or another coach's).

    The caller answers both cases alike (404), so a URL never tells whether someone else's client exists.
    """
    client = await session.get(Client, client_id)
    if client is None or client.status == ClientStatus.ERASED:
        return None
    if is_admin or client.coach_id == coach_id:
        return client
    return None
