"""The client's progress chart in Slack, posted with ``/coach client``.

The PNG goes to the coach's DM with the app (where ``/coach`` is normally run): a slash command may
come from a shared channel, and a file posted there would show a client's mood to everyone in it.
It is uploaded like every other file the app sends (``files_upload_v2``, as the transport does), with
alt text that says the trend in words.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.charts.progress_chart import alt_text, render_progress_chart
from conversations.i18n import use_locale
from conversations.texts import Chart
from conversations.texts import CoachCommands as T
from domain.clock import Clock, utcnow
from domain.db import Database
from domain.insights.series import MIN_CHART_CHECK_INS, client_series
from domain.services.coaches import find_coach_by_slack_user

log = logging.getLogger(__name__)

CHART_WEEKS = 4
# files.getUploadURLExternal takes alt text up to 1000 characters.
ALT_TEXT_MAX = 1000


class ProgressCharts:
    """Renders a client's last CHART_WEEKS weeks and uploads the PNG for the coach who asked."""

    def __init__(self, web: AsyncWebClient, db: Database, clock: Clock = utcnow) -> None:
        self.web = web
        self.db = db
        self.clock = clock

    async def post(self, *, coach_user_id: str, client_id: int) -> str:
        """Upload the chart into the coach's DM; returns one line for the client card saying what happened
        (in the current locale: the coach's, set by the caller)."""
        async with self.db.sessions() as session:
            series = await client_series(session, client_id, days=CHART_WEEKS * 7, now=self.clock())
            coach = await find_coach_by_slack_user(session, coach_user_id)
        if not series.chartable:
            return T.CHART_NOT_ENOUGH.format(
                needed=MIN_CHART_CHECK_INS, weeks=T.CHART_IN_WEEKS.format(n=CHART_WEEKS)
            )
        # Drawn and described in the coach's language (drawing is CPU work: off the event loop).
        locale = coach.locale if coach else None
        draw = partial(render_progress_chart, series, locale=locale)
        with use_locale(locale):
            described = alt_text(series)
        try:
            png = await asyncio.to_thread(draw)
        except Exception:  # a drawing bug must not cost the coach the client card
            log.exception("progress chart could not be drawn")
            return T.CHART_FAILED
        try:
            opened = await self.web.conversations_open(users=coach_user_id)
            await self.web.files_upload_v2(
                channel=str(opened["channel"]["id"]),
                content=png,
                filename=f"progress-{series.end.isoformat()}.png",
                title=T.CHART_FILE_TITLE.format(
                    name=series.first_name, weeks=Chart.WEEKS.format(n=CHART_WEEKS)
                ),
                alt_txt=described[:ALT_TEXT_MAX],
                request_file_info=False,
            )
        except SlackApiError as exc:
            log.warning("progress chart not posted: slack %s", exc.response.get("error", "error"))
            return T.CHART_FAILED
        except (SlackRequestError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("progress chart not posted: %s", type(exc).__name__)
            return T.CHART_FAILED
        return T.CHART_POSTED.format(weeks=T.CHART_OF_WEEKS.format(n=CHART_WEEKS))
