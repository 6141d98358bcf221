"""``/coach availability``: a coach sees and sets the hours clients book sessions in (``/book``).

``/coach availability`` shows the stored hours as the YAML they are written in, with the next free
slots and the upcoming sessions; ``/coach availability set <YAML>`` stores new hours — several lines
(Shift+Enter), or one line in YAML's flow style: ``{weekly: {monday: ["09:00-12:00"]}, session_minutes: 50}``.
A problem is answered with its line, and nothing is saved.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.slack import blocks
from bot.slack.commands import CommandReply, reply
from conversations.i18n import current_locale, format_slot
from conversations.reasons import explain
from conversations.texts import CoachTools as T
from domain.booking.availability import AvailabilityError, parse_availability
from domain.clock import utcnow
from domain.db import Database
from domain.models import Coach
from domain.services.booking import client_names_upcoming, get_availability, offer_slots, set_availability

SLOTS_SHOWN = 5
SESSIONS_SHOWN = 10
EXAMPLE = (
    '{weekly: {monday: ["09:00-12:00"], thursday: ["13:00-17:00"]}, session_minutes: 50, buffer_minutes: 10}'
)


def usage() -> str:
    """How to set the hours, in the current locale (the coach's)."""
    return T.AVAILABILITY_USAGE.format(example=EXAMPLE)


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    # English as it has always read ("Mon 07 Dec 15:00"); Babel's weekday and date for the others.
    return local.strftime("%a %d %b %H:%M") if current_locale() == "en" else format_slot(local)


async def availability_command(db: Database, coach: Coach, rest: str) -> CommandReply:
    action, _, text = rest.strip().partition(" ")
    if action.lower() == "set":
        return await _set(db, coach, text)
    if action:
        return reply(T.AVAILABILITY_UNKNOWN.format(action=blocks.escape(action), usage=usage()))
    return await _show(db, coach)


async def _set(db: Database, coach: Coach, text: str) -> CommandReply:
    # Slack may turn the quotes of a pasted line into curly ones.
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    if not text.strip():
        return reply(T.HOURS_MISSING.format(usage=usage()))
    try:
        availability = parse_availability(text, default_timezone=coach.timezone)
    except AvailabilityError as exc:
        return reply(T.NOT_SAVED.format(reason=blocks.escape(explain(exc.reason_with_line)), usage=usage()))
    async with db.unit_of_work() as session:
        await set_availability(session, coach.id, availability, actor=f"coach:{coach.id}")
    shown = await _show(db, coach)
    return CommandReply(T.SAVED.format(text=shown.text), shown.blocks)


async def _show(db: Database, coach: Coach) -> CommandReply:
    now = utcnow()
    async with db.sessions() as session:
        availability = await get_availability(session, coach.id)
        if availability is None:
            return reply(T.NO_HOURS.format(usage=usage()))
        _, slots = await offer_slots(session, coach.id, now=now, limit=SLOTS_SHOWN)
        upcoming = await client_names_upcoming(session, coach.id, now=now, limit=SESSIONS_SHOWN)
    zone = ZoneInfo(coach.timezone)
    free = ", ".join(_clock(s, zone) for s in slots) or T.NO_FREE_SLOTS
    sessions = "\n".join(f"• {_clock(b.starts_at, zone)} — {blocks.escape(name)}" for b, name in upcoming)
    text = T.BOOKABLE_HOURS.format(zone=availability.timezone)
    content = [
        blocks.header(text),
        blocks.section(f"```{blocks.escape(availability.to_yaml())[: blocks.SECTION_TEXT_MAX - 10]}```"),
        blocks.section(T.NEXT_FREE.format(zone=blocks.escape(coach.timezone), slots=free)),
        blocks.section(f"{T.UPCOMING}\n{sessions}" if sessions else T.UPCOMING_NONE),
        blocks.section(blocks.escape(usage())),
    ]
    return CommandReply(text, content)
