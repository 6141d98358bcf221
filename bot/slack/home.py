"""App Home: a coach sees their clients at a glance; anyone else sees how to talk to the bot."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks
from bot.slack.auth import linked_coach
from bot.slack.roster import CoachInsights, coach_roster
from conversations.i18n import use_locale
from domain.clock import Clock
from domain.db import Database


async def publish_home(
    db: Database, client: AsyncWebClient, user_id: str, clock: Clock, insights: CoachInsights
) -> None:
    now = clock()
    async with db.sessions() as session:
        coach = await linked_coach(session, user_id)
    if coach is None:
        view = blocks.client_home_view()
    else:
        flags = await insights.flags_for_coach(coach.id, locale=coach.locale)
        with use_locale(coach.locale):  # the coach's Home reads in the coach's language, flags too
            async with db.sessions() as session:
                view = blocks.home_view(
                    coach, await coach_roster(session, coach.id, now=now, flags=flags), now
                )
    await client.views_publish(user_id=user_id, view=view)
