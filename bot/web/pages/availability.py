"""Availability: the hours clients book sessions in (``/book``), the next free slots, the booked
sessions, and the coach's private calendar feed.

The hours are edited as the YAML ``coach availability set`` takes; a problem is shown with its line and
nothing is saved. A new feed address is shown once (only its hash is kept); revoking ends it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.http.server import DB_KEY
from bot.web.auth.guards import form_text, signed_in
from bot.web.i18n import gettext as _
from bot.web.keys import SETTINGS_KEY
from bot.web.render import redirect, render
from conversations.i18n import format_slot
from conversations.reasons import explain
from domain.booking.availability import MAX_YAML_CHARS, AvailabilityError, parse_availability
from domain.clock import utcnow
from domain.models import CoachCalendar
from domain.services.booking import client_names_upcoming, get_availability, offer_slots, set_availability
from domain.services.calendars import new_feed_token, revoke_feed
from domain.services.coaches import get_coach

routes = web.RouteTableDef()

SLOTS_SHOWN = 8
SESSIONS_SHOWN = 20
FEED_PATH = "/calendar/{token}.ics"
EXAMPLE = """\
session_minutes: 50
buffer_minutes: 10
notice_hours: 24
horizon_days: 28
weekly:
  monday: ["09:00-12:00", "14:00-17:00"]
  thursday: ["13:00-17:00"]
exceptions:
  - date: 2026-12-25
"""


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return format_slot(moment.astimezone(zone))  # "Mon 7 Dec 15:00", "Mo., 7. Dez. 15:00"


async def _page(
    request: web.Request, *, text: str | None = None, error: str = "", feed_url: str = "", status: int = 200
) -> web.Response:
    viewer = signed_in(request)
    now = utcnow()
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        coach = await get_coach(session, viewer.coach_id)
        availability = await get_availability(session, coach.id)
        _hours, slots = await offer_slots(session, coach.id, now=now, limit=SLOTS_SHOWN)
        upcoming = await client_names_upcoming(session, coach.id, now=now, limit=SESSIONS_SHOWN)
        calendar = await session.get(CoachCalendar, coach.id)
    zone = ZoneInfo(coach.timezone)
    return render(
        request,
        "availability.html",
        status=status,
        title=_("Availability"),
        section="availability",
        text=text if text is not None else (availability.to_yaml() if availability else EXAMPLE),
        has_hours=availability is not None,
        error=error,
        saved=request.query.get("saved") == "1",
        timezone=coach.timezone,
        slots=[_when(s, zone) for s in slots],
        sessions=[(_when(b.starts_at, zone), name, b.video_url) for b, name in upcoming],
        feed_on=bool(calendar and calendar.feed_token_hash),
        feed_url=feed_url,
        feed_revoked=request.query.get("revoked") == "1",
        caldav_url=calendar.caldav_url if calendar else None,
        caldav_error=calendar.sync_error if calendar else None,
        caldav_synced=calendar.busy_synced_at if calendar else None,
        max_chars=MAX_YAML_CHARS,
    )


@routes.get("/availability", name="availability")
async def availability_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@routes.post("/availability")
async def save_availability(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    text = form_text(await request.post(), "hours")
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        coach = await get_coach(session, viewer.coach_id)
        try:
            availability = parse_availability(text, default_timezone=coach.timezone)
        except AvailabilityError as exc:
            return await _page(request, text=text, error=explain(exc.reason_with_line), status=422)
        await set_availability(session, coach.id, availability, actor=viewer.actor)
    return redirect(str(request.app.router["availability"].url_for().with_query(saved="1")))


@routes.post("/availability/feed", name="availability_feed")
async def create_feed(request: web.Request) -> web.StreamResponse:
    """A new private feed address, shown on this answer only (the old one stops working)."""
    viewer = signed_in(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        token = await new_feed_token(session, viewer.coach_id, actor=viewer.actor)
    base = request.config_dict[SETTINGS_KEY].web_base_url
    return await _page(request, feed_url=base + FEED_PATH.format(token=token))


@routes.post("/availability/feed/revoke", name="availability_feed_revoke")
async def revoke(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        await revoke_feed(session, viewer.coach_id, actor=viewer.actor)
    return redirect(str(request.app.router["availability"].url_for().with_query(revoked="1")))
