"""Secrets the server makes for itself, stored once and shared by every replica (``app_secrets``)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import AppSecret
from domain.services.unique_rows import insert_unless_taken

SECRET_BYTES = 32


async def app_secret(session: AsyncSession, name: str) -> bytes:
    """The secret called ``name``, made (32 random bytes) the first time anyone asks; two replicas
    asking at once get the same one (the first insert wins)."""
    stored = await session.scalar(select(AppSecret.value).where(AppSecret.name == name))
    if stored is None:
        await insert_unless_taken(
            session, AppSecret, {"name": name, "value": secrets.token_hex(SECRET_BYTES)}, unique=["name"]
        )
        stored = await session.scalar(select(AppSecret.value).where(AppSecret.name == name))
    assert stored is not None
    return bytes.fromhex(stored)
