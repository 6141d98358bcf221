"""App Home: a coach sees their clients at a glance; anyone else sees how to talk to the bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks
from bot.slack.auth import linked_coach
from bot.slack.roster import CoachInsights, coach_roster
from conversations.i18n import supported_locale, use_locale
from domain.clock import Clock
from domain.db import Database
from domain.models.enums import Platform
from domain.services.clients import identity_locale

LanguageHint = Callable[[], Awaitable[str | None]]
"""What the person's Slack is set to ("de-DE"); asked only for someone who is not a client yet."""


async def publish_home(
    db: Database,
    client: AsyncWebClient,
    user_id: str,
    clock: Clock,
    insights: CoachInsights,
    language_hint: LanguageHint | None = None,
) -> None:
    now = clock()
    async with db.sessions() as session:
        coach = await linked_coach(session, user_id)
        stored = None if coach else await identity_locale(session, Platform.SLACK.value, user_id)
    if coach is None:
        # A client's chosen language; else, like their first message would, their Slack's.
        hint = stored or (await language_hint() if language_hint is not None else None)
        with use_locale(supported_locale(hint)):
            view = blocks.client_home_view()
    else:
        flags = await insights.flags_for_coach(coach.id, locale=coach.locale)
        with use_locale(coach.locale):  # the coach's Home reads in the coach's language, flags too
            async with db.sessions() as session:
                view = blocks.home_view(
                    coach, await coach_roster(session, coach.id, now=now, flags=flags), now
                )
    await client.views_publish(user_id=user_id, view=view)
