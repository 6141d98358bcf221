"""``/settings``: a client changes how they are reminded — time, days, quiet hours, pause, channel.

Each change is validated (a friendly re-prompt otherwise), saved with the reminder service, which
re-plans pending reminders at once, and the menu comes back until "Done". A new reminder time or
cadence also sends the schedule as an ``.ics`` file, when a calendar builder was installed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select

from conversations.flow import END, Flow, InvalidAnswer, Next, Step, Turn, ask, buttons
from conversations.messages import OutgoingFile, OutgoingMessage
from conversations.registry import register_command, register_flow
from domain.clock import ensure_utc
from domain.errors import ValidationError
from domain.models import ChannelIdentity, Client
from domain.models.enums import Cadence, Platform
from domain.reminders.preferences import (
    MAX_PAUSE_DAYS,
    check_quiet_hours,
    set_client_reminder_preferences,
)
from domain.services.clients import get_client

ICS_MIME = "text/calendar"
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|h)?$")
_RANGE = re.compile(r"^(.+?)\s*(?:-|–|to|until)\s*(.+)$")
OFF_WORDS = {"off", "none", "no", "clear", "remove"}


class ScheduleCalendar(Protocol):
    """Builds the .ics of a check-in schedule (``integrations.calendar.checkin_schedule_ics``)."""

    def __call__(
        self, *, client_id: int, timezone: str, checkin_time: str, cadence: str, starts_on: date
    ) -> bytes: ...


_calendar: ScheduleCalendar | None = None


class Texts:
    MENU = (
        "Your reminders: {cadence} at {time} ({timezone}).\nQuiet hours: {quiet}.{pause}\n"
        "Reminders come by {channel}. What would you like to change?"
    )
    ASK_TIME = "What time should I remind you? For example 07:30 or 7pm."
    BAD_TIME = "I did not catch that time. Please send it like 07:30, 19:00 or 7pm."
    ASK_CADENCE = "How often would you like to check in?"
    BAD_CADENCE = "Please choose daily, weekdays or weekly."
    ASK_QUIET = "Send your quiet hours like 22:00-07:00 (no reminders in between), or 'off' to remove them."
    BAD_QUIET = "Please send quiet hours like 22:00-07:00, or 'off'."
    ASK_PAUSE = f"Pause reminders for how many days? (1-{MAX_PAUSE_DAYS}, or 0 to resume now)"
    BAD_PAUSE = f"Please send a number of days between 0 and {MAX_PAUSE_DAYS}."
    ASK_CHANNEL = "Where should reminders reach you?"
    BAD_CHANNEL = "Please choose Telegram, Slack or email."
    NO_IDENTITY = "You have not talked to me on {channel} yet. Say hello there first, then choose it here."
    NO_EMAIL = "I have no email address for you yet, so I cannot send reminders by email."
    SAVED = "Saved."
    CALENDAR = "Here is your check-in schedule for your calendar."
    DONE = "All set. Send /settings whenever you want to change something."
    BAD_MENU = "Please pick one of the options."


MENU_CHOICES = {
    "time": "time",
    "cadence": "cadence",
    "quiet": "quiet",
    "pause": "pause",
    "channel": "channel",
}


def parse_clock(text: str) -> str:
    """``7``, ``07:30``, ``7.30``, ``7h30``, ``7pm``, ``19h`` → ``HH:MM``; raises InvalidAnswer."""
    match = _CLOCK.match(text.strip().lower())
    if not match:
        raise InvalidAnswer(Texts.BAD_TIME)
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    suffix = match.group(3)
    if suffix in {"am", "pm"}:
        if not 1 <= hours <= 12:
            raise InvalidAnswer(Texts.BAD_TIME)
        hours = hours % 12 + (12 if suffix == "pm" else 0)
    if hours > 23 or minutes > 59:
        raise InvalidAnswer(Texts.BAD_TIME)
    return f"{hours:02d}:{minutes:02d}"


async def _client(turn: Turn) -> Client:
    assert turn.client_id is not None
    return await get_client(await turn.session(), turn.client_id)


async def ask_menu(turn: Turn) -> OutgoingMessage:
    client = await _client(turn)
    quiet = (
        f"{client.quiet_hours_start}-{client.quiet_hours_end}"
        if client.quiet_hours_start and client.quiet_hours_end
        else "none"
    )
    paused = client.paused_until
    pause = ""
    if paused is not None and ensure_utc(paused) > turn.now:
        local = ensure_utc(paused).astimezone(ZoneInfo(client.timezone)).strftime("%Y-%m-%d %H:%M")
        pause = f" Paused until {local}."
    text = Texts.MENU.format(
        cadence=client.checkin_cadence,
        time=client.checkin_time,
        timezone=client.timezone,
        quiet=quiet,
        pause=pause,
        channel=client.preferred_channel or turn.platform,
    )
    return OutgoingMessage(
        text,
        tuple(
            tuple(row)
            for row in buttons(
                ("Reminder time", "time"),
                ("Days", "cadence"),
                ("Quiet hours", "quiet"),
                ("Pause", "pause"),
                ("Channel", "channel"),
                ("Done", "done"),
            )
        ),
    )


async def answer_menu(turn: Turn) -> Next:
    choice = turn.text.lower()
    if choice in {"done", "/done"}:
        turn.say(Texts.DONE)
        return END
    if choice not in MENU_CHOICES:
        raise InvalidAnswer(Texts.BAD_MENU)
    return MENU_CHOICES[choice]


async def _save(turn: Turn, **changes: object) -> Client:
    assert turn.client_id is not None
    try:
        client = await set_client_reminder_preferences(
            await turn.session(),
            turn.client_id,
            now=turn.now,
            **changes,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        raise InvalidAnswer(exc.message) from None
    turn.say(Texts.SAVED)
    return client


def _send_calendar(turn: Turn, client: Client) -> None:
    if _calendar is None:
        return
    content = _calendar(
        client_id=client.id,
        timezone=client.timezone,
        checkin_time=client.checkin_time,
        cadence=client.checkin_cadence,
        starts_on=turn.now.astimezone(ZoneInfo(client.timezone)).date(),
    )
    turn.replies.append(
        OutgoingMessage(Texts.CALENDAR, files=(OutgoingFile("checkin-schedule.ics", content, ICS_MIME),))
    )


async def answer_time(turn: Turn) -> Next:
    client = await _save(turn, checkin_time=parse_clock(turn.text))
    _send_calendar(turn, client)
    return "menu"


async def answer_cadence(turn: Turn) -> Next:
    choice = turn.text.strip().lower()
    if choice not in {c.value for c in Cadence}:
        raise InvalidAnswer(Texts.BAD_CADENCE)
    client = await _save(turn, cadence=choice)
    _send_calendar(turn, client)
    return "menu"


async def answer_quiet(turn: Turn) -> Next:
    text = turn.text.strip().lower()
    if text in OFF_WORDS:
        await _save(turn, clear_quiet_hours=True)
        return "menu"
    match = _RANGE.match(text)
    if not match:
        raise InvalidAnswer(Texts.BAD_QUIET)
    try:
        quiet = check_quiet_hours(parse_clock(match.group(1)), parse_clock(match.group(2)))
    except (InvalidAnswer, ValidationError):
        raise InvalidAnswer(Texts.BAD_QUIET) from None
    await _save(turn, quiet_hours=quiet)
    return "menu"


async def answer_pause(turn: Turn) -> Next:
    text = turn.text.strip().lower().removesuffix("days").removesuffix("day").strip()
    if not text.isdigit() or int(text) > MAX_PAUSE_DAYS:
        raise InvalidAnswer(Texts.BAD_PAUSE)
    await _save(turn, pause_days=int(text))
    return "menu"


async def answer_channel(turn: Turn) -> Next:
    choice = turn.text.strip().lower()
    platforms = {p.value for p in (Platform.TELEGRAM, Platform.SLACK, Platform.EMAIL)}
    if choice not in platforms:
        raise InvalidAnswer(Texts.BAD_CHANNEL)
    assert turn.client_id is not None
    if choice != Platform.EMAIL:
        session = await turn.session()
        found = await session.scalar(
            select(ChannelIdentity.id).where(
                ChannelIdentity.client_id == turn.client_id,
                ChannelIdentity.platform == choice,
                ChannelIdentity.unreachable.is_(False),
            )
        )
        if found is None:
            raise InvalidAnswer(Texts.NO_IDENTITY.format(channel=choice.capitalize()))
    elif not (await _client(turn)).email:
        raise InvalidAnswer(Texts.NO_EMAIL)
    await _save(turn, channel=choice)
    return "menu"


FLOW = Flow(
    name="settings",
    version=1,
    steps=[
        Step("menu", ask_menu, answer_menu),
        Step("time", ask(Texts.ASK_TIME), answer_time),
        Step(
            "cadence",
            ask(
                Texts.ASK_CADENCE,
                buttons(("Daily", "daily"), ("Weekdays", "weekdays"), ("Weekly (Mondays)", "weekly")),
            ),
            answer_cadence,
        ),
        Step(
            "quiet",
            ask(Texts.ASK_QUIET, buttons(("22:00-07:00", "22:00-07:00"), ("Off", "off"))),
            answer_quiet,
        ),
        Step(
            "pause",
            ask(Texts.ASK_PAUSE, buttons(("1 day", "1"), ("3 days", "3"), ("7 days", "7"), ("Resume", "0"))),
            answer_pause,
        ),
        Step(
            "channel",
            ask(Texts.ASK_CHANNEL, buttons(("Telegram", "telegram"), ("Slack", "slack"), ("Email", "email"))),
            answer_channel,
        ),
    ],
)


def install(calendar: ScheduleCalendar | None = None) -> None:
    """Register ``/settings`` with the engine; ``calendar`` is injected by the integrations layer."""
    global _calendar
    if calendar is not None:
        _calendar = calendar
    register_flow(FLOW)
    register_command("/settings", flow=FLOW.name, help="Reminder time, days, quiet hours, pause, channel")
