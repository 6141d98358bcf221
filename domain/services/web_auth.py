"""Passwordless sign-in for the coach web workspace: one-time codes and server-side sessions.

A code (a sign-in link, or a code that links a coach's Telegram account) is a random token whose
SHA-256 alone is stored; it is valid for :data:`LOGIN_CODE_TTL` and redeemed by one conditional update,
so two browsers racing with the same link get one session between them. A session is a random cookie
token (again stored as its SHA-256) that ends after :data:`SESSION_IDLE` without use, at
:data:`SESSION_ABSOLUTE` after sign-in whatever happens, or when revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.errors import ValidationError
from domain.models import ChannelIdentity, Coach, LoginCode, WebSession
from domain.models.enums import CoachRole, LoginPurpose
from domain.reasons.coaching import AccountProblems
from domain.services.audit import record_audit_event
from domain.services.coaches import get_coach

LOGIN_CODE_TTL = timedelta(minutes=15)
SESSION_IDLE = timedelta(hours=12)
SESSION_ABSOLUTE = timedelta(days=7)
# ``last_seen_at`` is written at most this often, so a page that polls does not write on every request.
SESSION_TOUCH_EVERY = timedelta(minutes=1)
# Links a coach may ask to be sent within one LOGIN_CODE_TTL (operators' `coach login-link` is not counted).
SENT_LINKS_PER_WINDOW = 5
# 32 random bytes: a cookie or link nobody guesses.
TOKEN_BYTES = 32
# A Telegram link code is typed by hand: 8 characters from an alphabet without look-alikes.
TELEGRAM_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TELEGRAM_CODE_LENGTH = 8
USER_AGENT_MAX = 200


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def coach_actor(coach_id: int) -> str:
    """How a coach appears as the actor of an audit event."""
    return f"coach:{coach_id}"


# --- one-time codes ------------------------------------------------------------------------------


class TooManyLinks(ValidationError):
    """The coach asked for more sign-in links than :data:`SENT_LINKS_PER_WINDOW` in one window."""


async def issue_login_code(
    session: AsyncSession,
    coach_id: int,
    *,
    sent_via: str,
    purpose: LoginPurpose = LoginPurpose.SIGN_IN,
    now: datetime | None = None,
) -> str:
    """A new one-time code for ``coach_id``; returns the code itself (only its hash is stored)."""
    now = now or utcnow()
    await get_coach(session, coach_id)
    if sent_via != "cli":
        recent = await session.scalar(
            select(func.count(LoginCode.id)).where(
                LoginCode.coach_id == coach_id,
                LoginCode.purpose == purpose,
                LoginCode.sent_via != "cli",
                LoginCode.created_at > now - LOGIN_CODE_TTL,
            )
        )
        if (recent or 0) >= SENT_LINKS_PER_WINDOW:
            raise TooManyLinks(AccountProblems.TOO_MANY_LINKS())
    if purpose == LoginPurpose.TELEGRAM_LINK:
        code = "".join(secrets.choice(TELEGRAM_CODE_ALPHABET) for _ in range(TELEGRAM_CODE_LENGTH))
    else:
        code = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        LoginCode(
            coach_id=coach_id,
            purpose=purpose,
            code_hash=hash_token(code),
            sent_via=sent_via[:16],
            expires_at=now + LOGIN_CODE_TTL,
            created_at=now,
        )
    )
    await session.flush()
    await record_audit_event(
        session,
        actor=coach_actor(coach_id) if sent_via != "cli" else "operator",
        action=f"web.{purpose}_issued",
        subject=coach_actor(coach_id),
        details={"sent_via": sent_via},
        at=now,
    )
    return code


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """What a presented code is: ``status`` is ``valid``, ``used``, ``expired`` or ``unknown``."""

    status: str
    coach_id: int | None = None
    coach_name: str = ""


async def check_login_code(
    session: AsyncSession,
    code: str,
    *,
    purpose: LoginPurpose = LoginPurpose.SIGN_IN,
    now: datetime | None = None,
) -> CodeCheck:
    """Looks at a code without using it up (the page that asks "continue as …?")."""
    now = now or utcnow()
    row = (
        await session.execute(
            select(LoginCode, Coach.name)
            .join(Coach, Coach.id == LoginCode.coach_id)
            .where(LoginCode.code_hash == hash_token(code), LoginCode.purpose == purpose)
        )
    ).first()
    if row is None:
        return CodeCheck("unknown")
    login, name = row
    if login.used_at is not None:
        return CodeCheck("used", login.coach_id, name)
    if login.expires_at <= now:
        return CodeCheck("expired", login.coach_id, name)
    return CodeCheck("valid", login.coach_id, name)


async def redeem_login_code(
    session: AsyncSession,
    code: str,
    *,
    purpose: LoginPurpose = LoginPurpose.SIGN_IN,
    now: datetime | None = None,
) -> CodeCheck:
    """Uses the code up when it is valid: one conditional update, so it works exactly once."""
    now = now or utcnow()
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(LoginCode)
            .where(
                LoginCode.code_hash == hash_token(code),
                LoginCode.purpose == purpose,
                LoginCode.used_at.is_(None),
                LoginCode.expires_at > now,
            )
            .values(used_at=now)
        ),
    )
    if result.rowcount != 1:
        return await check_login_code(session, code, purpose=purpose, now=now)
    check = await check_login_code(session, code, purpose=purpose, now=now)
    return CodeCheck("valid", check.coach_id, check.coach_name)


# --- sessions ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The coach behind a live session, as pages need them."""

    session_id: int
    coach_id: int
    coach_name: str
    role: str
    csrf_token: str
    locale: str = "en"  # the coach's language: the workspace speaks it

    @property
    def is_admin(self) -> bool:
        return self.role == CoachRole.ADMIN

    @property
    def actor(self) -> str:
        return coach_actor(self.coach_id)


async def start_session(
    session: AsyncSession, coach_id: int, *, user_agent: str = "", now: datetime | None = None
) -> str:
    """A new session for ``coach_id``; returns the cookie token (only its hash is stored)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        WebSession(
            coach_id=coach_id,
            token_hash=hash_token(token),
            csrf_token=secrets.token_urlsafe(TOKEN_BYTES),
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_ABSOLUTE,
            user_agent=user_agent[:USER_AGENT_MAX],
        )
    )
    await session.flush()
    return token


async def resume_session(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> SignedIn | None:
    """The coach of a live session, or None when it is unknown, revoked, idle too long or too old.

    Marks it used (at most once per :data:`SESSION_TOUCH_EVERY`), which keeps it from going idle.
    """
    now = now or utcnow()
    row = (
        await session.execute(
            select(WebSession, Coach.name, Coach.role, Coach.locale)
            .join(Coach, Coach.id == WebSession.coach_id)
            .where(WebSession.token_hash == hash_token(token))
        )
    ).first()
    if row is None:
        return None
    web_session, name, role, locale = row
    if not session_is_live(web_session, now):
        return None
    if now - web_session.last_seen_at >= SESSION_TOUCH_EVERY:
        web_session.last_seen_at = now
        await session.flush()
    return SignedIn(web_session.id, web_session.coach_id, name, role, web_session.csrf_token, locale or "en")


def session_is_live(web_session: WebSession, now: datetime) -> bool:
    return (
        web_session.revoked_at is None
        and now < web_session.expires_at
        and now < web_session.last_seen_at + SESSION_IDLE
    )


async def end_session(session: AsyncSession, session_id: int, *, now: datetime | None = None) -> None:
    """Sign-out: the session stops working at once."""
    await session.execute(
        update(WebSession)
        .where(WebSession.id == session_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )


async def revoke_sessions(
    session: AsyncSession, coach_id: int, *, actor: str = "operator", now: datetime | None = None
) -> int:
    """Ends every open session of ``coach_id`` (a lost laptop, a coach who leaves); returns how many.
    Audited as ``web.sessions_revoked`` by ``actor``."""
    now = now or utcnow()
    await get_coach(session, coach_id)
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(WebSession)
            .where(
                WebSession.coach_id == coach_id, WebSession.revoked_at.is_(None), WebSession.expires_at > now
            )
            .values(revoked_at=now)
        ),
    )
    count = int(result.rowcount or 0)
    await record_audit_event(
        session,
        actor=actor,
        action="web.sessions_revoked",
        subject=coach_actor(coach_id),
        details={"sessions": count},
        at=now,
    )
    return count


async def open_sessions(
    session: AsyncSession, coach_id: int, *, now: datetime | None = None
) -> list[WebSession]:
    """The coach's sessions that still work, most recently used first (the Account page)."""
    now = now or utcnow()
    rows = await session.scalars(
        select(WebSession)
        .where(WebSession.coach_id == coach_id, WebSession.revoked_at.is_(None), WebSession.expires_at > now)
        .order_by(WebSession.last_seen_at.desc())
    )
    return [row for row in rows if session_is_live(row, now)]


async def end_other_sessions(
    session: AsyncSession, coach_id: int, *, keep_session_id: int, now: datetime | None = None
) -> int:
    """Signs the coach out everywhere but here; returns how many sessions ended (audited)."""
    now = now or utcnow()
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(WebSession)
            .where(
                WebSession.coach_id == coach_id,
                WebSession.id != keep_session_id,
                WebSession.revoked_at.is_(None),
                WebSession.expires_at > now,
            )
            .values(revoked_at=now)
        ),
    )
    count = int(result.rowcount or 0)
    await record_audit_event(
        session,
        actor=coach_actor(coach_id),
        action="web.sessions_revoked",
        subject=coach_actor(coach_id),
        details={"sessions": count, "kept": keep_session_id},
        at=now,
    )
    return count


async def link_chat_account(
    session: AsyncSession, code: str, *, platform: str, external_user_id: str, chat_id: str
) -> CodeCheck:
    """``/coach_link CODE``: the chat account that sent a valid code becomes the coach's, so sign-in
    links can reach them there. The account may also be a client's (a coach testing their own bot)."""
    check = await redeem_login_code(session, code.strip().upper(), purpose=LoginPurpose.TELEGRAM_LINK)
    if check.status != "valid" or check.coach_id is None:
        return check
    identity = await session.scalar(
        select(ChannelIdentity).where(
            ChannelIdentity.platform == platform, ChannelIdentity.external_user_id == external_user_id
        )
    )
    if identity is None:
        identity = ChannelIdentity(platform=platform, external_user_id=external_user_id, chat_id=chat_id)
        session.add(identity)
    identity.coach_id, identity.chat_id, identity.unreachable = check.coach_id, chat_id, False
    await session.flush()
    await record_audit_event(
        session,
        actor=coach_actor(check.coach_id),
        action="coach.chat_linked",
        subject=coach_actor(check.coach_id),
        details={"platform": platform},
    )
    return check
