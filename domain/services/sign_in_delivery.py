"""Sending a coach a sign-in link where they read it: Slack DM, Telegram (once linked), or email."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import ChannelIdentity, Coach
from domain.models.enums import Platform
from domain.services.outbox import enqueue_message
from domain.services.web_auth import LOGIN_CODE_TTL, issue_login_code

SIGN_IN_PATH = "/app/signin/"
LINK_MINUTES = int(LOGIN_CODE_TTL.total_seconds() // 60)


def sign_in_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}{SIGN_IN_PATH}{code}"


async def coach_sign_in_target(
    session: AsyncSession, coach: Coach, channels: Collection[str]
) -> tuple[str, str] | None:
    """Where a link reaches this coach (platform, chat id), first of Slack DM, Telegram, email."""
    if Platform.SLACK in channels and coach.slack_user_id:
        return Platform.SLACK.value, coach.slack_user_id
    if Platform.TELEGRAM in channels:
        chat_id = await session.scalar(
            select(ChannelIdentity.chat_id)
            .where(
                ChannelIdentity.coach_id == coach.id,
                ChannelIdentity.platform == Platform.TELEGRAM,
                ChannelIdentity.unreachable.is_(False),
            )
            .order_by(ChannelIdentity.id.desc())
            .limit(1)
        )
        if chat_id:
            return Platform.TELEGRAM.value, chat_id
    if Platform.EMAIL in channels and coach.email:
        return Platform.EMAIL.value, coach.email
    return None


async def queue_sign_in_link(
    session: AsyncSession, *, email: str, base_url: str, channels: Collection[str]
) -> str | None:
    """Queues a fresh sign-in link for the coach with this email on the first channel that reaches
    them; returns the channel, or None when there is no such coach or no way to reach them.

    Raises :class:`domain.services.web_auth.TooManyLinks` past the per-coach limit.
    """
    coach = await session.scalar(select(Coach).where(func.lower(Coach.email) == email.strip().lower()))
    if coach is None:
        return None
    target = await coach_sign_in_target(session, coach, channels)
    if target is None:
        return None
    platform, chat_id = target
    code = await issue_login_code(session, coach.id, sent_via=platform)
    url = sign_in_url(base_url, code)
    text = (
        f"Here is your sign-in link for the coaching workspace. It works once, for {LINK_MINUTES} minutes.\n"
        f"{url}\nIf you did not ask for it, ignore this message."
    )
    payload = {
        "text": text,
        "buttons": [],
        "url_buttons": [{"label": "Sign in", "url": url}],
        "files": [],
        "subject": "Your sign-in link",
    }
    await enqueue_message(session, platform=platform, chat_id=chat_id, payload=payload)
    return platform


async def linked_chat_platforms(session: AsyncSession, coach_id: int) -> list[str]:
    """The chat platforms a coach linked with ``/coach_link`` (the Account page says so)."""
    rows = await session.scalars(
        select(ChannelIdentity.platform)
        .where(ChannelIdentity.coach_id == coach_id, ChannelIdentity.unreachable.is_(False))
        .distinct()
    )
    return sorted(rows)
