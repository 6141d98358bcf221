"""Per-coach API tokens: created (shown once), looked up by their hash, revoked."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.errors import NotFound, ValidationError
from domain.models import ApiToken, Coach
from domain.reasons.coaching import AccountProblems, CoachProblems
from domain.services.audit import record_audit_event
from domain.services.web_auth import hash_token

TOKEN_PREFIX = "sc_"
TOKEN_RANDOM_BYTES = 32  # 256 bits: a hash without salt or stretching is enough for a random secret
PREFIX_SHOWN = 10  # "sc_" and 7 characters, to tell tokens apart in a list
LABEL_MAX_CHARS = 100
LAST_USED_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just created: ``secret`` is the only copy there will ever be."""

    token: ApiToken
    secret: str


async def create_api_token(
    session: AsyncSession, *, coach_id: int, label: str = "", actor: str = "cli", now: datetime | None = None
) -> IssuedToken:
    if await session.get(Coach, coach_id) is None:
        raise NotFound(CoachProblems.NO_COACH(coach=coach_id))
    label = label.strip()
    if len(label) > LABEL_MAX_CHARS:
        raise ValidationError(AccountProblems.LABEL_TOO_LONG(most=LABEL_MAX_CHARS), field="label")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_RANDOM_BYTES)
    token = ApiToken(
        coach_id=coach_id,
        token_hash=hash_token(secret),
        prefix=secret[:PREFIX_SHOWN],
        label=label,
        created_at=now or utcnow(),
    )
    session.add(token)
    await session.flush()
    await record_audit_event(
        session,
        actor=actor,
        action="api_token.created",
        subject=f"coach:{coach_id}",
        details={"token": token.id},
    )
    return IssuedToken(token, secret)


async def coach_for_token(session: AsyncSession, secret: str, *, now: datetime | None = None) -> Coach | None:
    """The coach a bearer token belongs to, or None for an unknown or revoked token; notes its use."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = await session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        token.last_used_at = now  # at most one write a minute for a busy token
    return await session.get(Coach, token.coach_id)


async def list_api_tokens(session: AsyncSession, *, coach_id: int | None = None) -> Sequence[ApiToken]:
    query = select(ApiToken).order_by(ApiToken.id)
    if coach_id is not None:
        query = query.where(ApiToken.coach_id == coach_id)
    return (await session.scalars(query)).all()


async def revoke_api_token(
    session: AsyncSession,
    token_id: int,
    *,
    actor: str = "cli",
    now: datetime | None = None,
    owner: int | None = None,
) -> ApiToken:
    """Revoke one token (revoking it again changes nothing); with ``owner``, only that coach's token
    (another coach's is reported as missing)."""
    token = await session.get(ApiToken, token_id)
    if token is None or (owner is not None and token.coach_id != owner):
        raise NotFound(AccountProblems.NO_TOKEN(token=token_id))
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        await record_audit_event(
            session,
            actor=actor,
            action="api_token.revoked",
            subject=f"coach:{token.coach_id}",
            details={"token": token.id},
        )
    return token


async def revoke_coach_tokens(
    session: AsyncSession, coach_id: int, *, actor: str = "cli", now: datetime | None = None
) -> int:
    """Revoke every live token of a coach; how many there were."""
    if await session.get(Coach, coach_id) is None:
        raise NotFound(CoachProblems.NO_COACH(coach=coach_id))
    live = [t for t in await list_api_tokens(session, coach_id=coach_id) if t.revoked_at is None]
    for token in live:
        await revoke_api_token(session, token.id, actor=actor, now=now)
    return len(live)
