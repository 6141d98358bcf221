"""Who may see what: only Slack users linked to a Coach, and only for that coach's own clients."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.i18n import supported_locale, use_locale
from conversations.texts import SlackAccess
from domain.models import Client, Coach
from domain.models.enums import Platform
from domain.services.audit import record_audit_event
from domain.services.clients import identity_locale
from domain.services.coaches import find_coach_by_slack_user

log = logging.getLogger(__name__)

SlackLocale = Callable[[str], Awaitable[str | None]]
"""A Slack user's locale as Slack reports it ("de-DE"), or None."""

# How this request can ask Slack for a person's locale (set by the app for each request), so someone
# we know nothing about yet is refused in the language their Slack is set to.
slack_locales: ContextVar[SlackLocale | None] = ContextVar("slack_locales", default=None)


async def linked_coach(session: AsyncSession, slack_user_id: str | None) -> Coach | None:
    if not slack_user_id:
        return None
    return await find_coach_by_slack_user(session, slack_user_id)


async def coach_locale(session: AsyncSession, slack_user_id: str | None) -> str | None:
    """The language of the coach linked to ``slack_user_id`` (None for anyone else: English)."""
    coach = await linked_coach(session, slack_user_id)
    return coach.locale if coach else None


async def record_refusal(session: AsyncSession, *, slack_user_id: str, attempted: str) -> str:
    """An attempt on coach features by someone who isn't (that) coach is kept in the audit trail;
    returns the refusal to show them, in their language."""
    # Said first: asking Slack for a stranger's locale must not hold the database's write lock.
    said = await refusal(session, slack_user_id)
    await record_audit_event(
        session,
        actor=f"slack:{slack_user_id}",
        action="slack.refused",
        subject=f"slack:{slack_user_id}",
        details={"attempted": attempted[:100]},
    )
    return said


async def refusal(session: AsyncSession, slack_user_id: str) -> str:
    """The "Sorry, this is only for coaches …" in the language of the Slack user who is refused."""
    with use_locale(await reader_locale(session, slack_user_id)):
        return str(SlackAccess.REFUSAL)


async def reader_locale(session: AsyncSession, slack_user_id: str) -> str | None:
    """The language to speak to this Slack user in: a coach's or a linked client's own, otherwise
    their Slack's; None (English) when unknown or when Slack can't be asked."""
    if not slack_user_id:
        return None
    if (locale := await coach_locale(session, slack_user_id)) is not None:
        return locale
    if (locale := await identity_locale(session, Platform.SLACK.value, slack_user_id)) is not None:
        return locale
    lookup = slack_locales.get()
    if lookup is None:
        return None
    try:
        return supported_locale(await lookup(slack_user_id))
    except Exception:  # the refusal is said anyway, in English
        log.warning("the Slack locale of a refused user could not be looked up", exc_info=True)
        return None


async def owned_client(session: AsyncSession, coach: Coach, client_id: int) -> Client | None:
    client = await session.get(Client, client_id)
    if client is None or client.coach_id != coach.id:
        return None
    return client
