"""The calendar side of booking in ``coach run``: the private iCal feed of each coach's sessions at
``GET /calendar/<token>.ics`` (Google Calendar, Outlook and Apple Calendar subscribe to it), and the
periodic read of coaches' own CalDAV calendars, whose busy times slots never cover."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from aiohttp import web

from bot.components import AppContext, Component
from domain.booking.invite import FEED_NAME, feed_ics
from domain.clock import utcnow
from domain.db import Database
from domain.models import Coach
from domain.services.booking import coach_sessions, session_event
from domain.services.calendars import coach_for_feed

log = logging.getLogger(__name__)

FEED_ROUTE = "/calendar/{token}.ics"
# Cancelled and past sessions stay in the feed this long, so subscribed calendars drop or keep them.
FEED_HISTORY = timedelta(days=30)
# Coaches' CalDAV calendars are read this often (and once at start).
CALDAV_SYNC_INTERVAL = timedelta(minutes=5)
FEED_SUMMARY = "Session with {client}"
FEED_DESCRIPTION = "Coaching session with {client}."
DB_KEY = web.AppKey("calendar_db", Database)


async def coach_feed(db: Database, coach_id: int) -> bytes:
    """The ``.ics`` feed of one coach: their sessions of the last 30 days and ahead."""
    now = utcnow()
    async with db.unit_of_work() as session:
        coach = await session.get(Coach, coach_id)
        rows = await coach_sessions(session, coach_id, since=now - FEED_HISTORY)
        events = [
            await session_event(
                session,
                booking,
                summary=FEED_SUMMARY.format(client=name),
                description=FEED_DESCRIPTION.format(client=name),
            )
            for booking, name in rows
        ]
    name = f"{FEED_NAME} – {coach.name}" if coach else FEED_NAME
    return feed_ics(events, stamp=now, name=name)


async def serve_feed(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]
    async with db.unit_of_work() as session:
        coach_id = await coach_for_feed(session, request.match_info["token"])
    if coach_id is None:
        raise web.HTTPNotFound(text="no such calendar")
    body = await coach_feed(db, coach_id)
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
    )


class CalendarComponent(Component):
    name = "calendars"

    def __init__(self, ctx: AppContext, *, interval: timedelta = CALDAV_SYNC_INTERVAL) -> None:
        self.db = ctx.db
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def install_routes(self, app: web.Application) -> None:
        app[DB_KEY] = self.db
        app.router.add_get(FEED_ROUTE, serve_feed)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._sync_forever(), name="caldav-sync")

    async def _sync_forever(self) -> None:
        while True:
            try:
                from integrations.caldav.sync import sync_all  # caldav loads on the first round

                await sync_all(self.db, now=utcnow())
            except Exception:  # a database outage: the next round tries again
                log.exception("reading CalDAV calendars failed")
            await asyncio.sleep(self.interval.total_seconds())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
