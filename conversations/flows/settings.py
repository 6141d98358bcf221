"""``/settings``: a client changes how they are reminded — time, days, quiet hours, pause, channel —
and whether their coach's announcements reach them.

Each change is validated (a friendly re-prompt otherwise), saved with the reminder service, which
re-plans pending reminders at once, and the menu comes back until "Done". A new reminder time or
cadence also sends the schedule as an ``.ics`` file, when a calendar builder was installed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Protocol
from zoneinfo import ZoneInfo

from conversations.flow import (
    END,
    AnswerHandler,
    Flow,
    InvalidAnswer,
    Next,
    Prompt,
    Step,
    Turn,
    ask,
    buttons,
    note_saved,
)
from conversations.flows.email_address import email_steps
from conversations.i18n import format_moment
from conversations.messages import Button, OutgoingFile, OutgoingMessage
from conversations.reasons import explain
from conversations.registry import can_deliver, register_command, register_flow
from conversations.texts import Commands
from conversations.texts import Settings as T
from domain.clock import ensure_utc
from domain.errors import ValidationError
from domain.models import Client
from domain.models.enums import Cadence, Platform
from domain.reminders.preferences import (
    MAX_PAUSE_DAYS,
    check_quiet_hours,
    set_client_reminder_preferences,
)
from domain.services.announcements import receives_announcements, set_receives_announcements
from domain.services.clients import client_identities, get_client
from domain.services.cohorts import set_leaderboard
from domain.services.email_verification import email_reachable
from domain.services.sms import NUMBER_TAKEN, set_sms_number, sms_identity

ICS_MIME = "text/calendar"
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|h)?$")
_RANGE = re.compile(r"^(.+?)\s*(?:-|–|to|until)\s*(.+)$")
OFF_WORDS = {"off", "none", "no", "clear", "remove"}


class ScheduleCalendar(Protocol):
    """Builds the .ics of a check-in schedule (``integrations.calendar.checkin_schedule_ics``)."""

    def __call__(
        self,
        *,
        client_id: int,
        timezone: str,
        checkin_time: str,
        cadence: str,
        starts_on: date,
        title: str,
        description: str,
    ) -> bytes: ...


_calendar: ScheduleCalendar | None = None


Texts = T  # the sentences live in conversations/texts.py


MENU_CHOICES = {
    "time": "time",
    "cadence": "cadence",
    "quiet": "quiet",
    "pause": "pause",
    "channel": "channel",
}
# The announcements button toggles: pressing it (or typing its word) changes the setting at once.
ANNOUNCEMENTS_CHOICE = "announcements"
# Typed or pressed on any step: back to the menu, nothing changed.
BACK_WORDS = frozenset({"back", "/back", "skip", "/skip", "menu", "never mind", "nevermind"})
BACK_PAYLOAD = "back"
# Where reminders can go, in the order the Channel step offers them.
CHANNELS = (Platform.TELEGRAM, Platform.SLACK, Platform.EMAIL, Platform.SMS, Platform.CONSOLE)
CHAT_CHANNELS = frozenset({Platform.TELEGRAM.value, Platform.SLACK.value, Platform.CONSOLE.value})


def parse_clock(text: str) -> str:
    """``7``, ``07:30``, ``7.30``, ``7h30``, ``7pm``, ``19h`` → ``HH:MM``; raises InvalidAnswer."""
    match = _CLOCK.match(text.strip().lower())
    if not match:
        raise InvalidAnswer(T.BAD_TIME)
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    suffix = match.group(3)
    if suffix in {"am", "pm"}:
        if not 1 <= hours <= 12:
            raise InvalidAnswer(T.BAD_TIME)
        hours = hours % 12 + (12 if suffix == "pm" else 0)
    if hours > 23 or minutes > 59:
        raise InvalidAnswer(T.BAD_TIME)
    return f"{hours:02d}:{minutes:02d}"


async def _client(turn: Turn) -> Client:
    assert turn.client_id is not None
    return await get_client(await turn.session(), turn.client_id)


async def _reachable_on(turn: Turn, client: Client, channel: str) -> bool:
    """Whether a reminder by ``channel`` would reach this client from here."""
    if not can_deliver(channel):
        return False
    if channel == Platform.EMAIL:
        return email_reachable(client)
    identities = await client_identities(await turn.session(), client.id)
    return any(i.platform == channel and not i.unreachable for i in identities)


def _with_back(rows: list[list[Button]]) -> list[list[Button]]:
    return [*rows, [Button(T.BACK, BACK_PAYLOAD)]]


def _is_back(turn: Turn) -> bool:
    return turn.text.strip().lower() in BACK_WORDS


def back_or(handler: AnswerHandler) -> AnswerHandler:
    """Every settings step can go back to the menu without changing anything."""

    async def answer(turn: Turn) -> Next:
        if _is_back(turn):
            return "menu"
        return await handler(turn)

    return answer


def asks(text: str, rows: list[list[Button]] | None = None) -> Prompt:
    return ask(text, _with_back(rows or []))


def _cadence_name(cadence: str) -> str:
    names = {"daily": T.CADENCE_DAILY, "weekdays": T.CADENCE_WEEKDAYS, "weekly": T.CADENCE_WEEKLY}
    name = names.get(cadence, cadence)
    return name[:1].lower() + name[1:]  # mid-sentence: "weekly (Mondays)", "wöchentlich (montags)"


async def ask_menu(turn: Turn) -> OutgoingMessage:
    client = await _client(turn)
    quiet = (
        f"{client.quiet_hours_start}-{client.quiet_hours_end}"
        if client.quiet_hours_start and client.quiet_hours_end
        else T.NO_QUIET
    )
    paused = client.paused_until
    pause = ""
    if paused is not None and ensure_utc(paused) > turn.now:
        local = ensure_utc(paused).astimezone(ZoneInfo(client.timezone))
        pause = T.PAUSED.format(until=format_moment(local))
    channel = client.preferred_channel or turn.platform
    name = T.CHANNEL_NAMES.get(channel, channel)
    line = T.CHANNEL_OK if await _reachable_on(turn, client, channel) else T.CHANNEL_CANNOT
    announcements = await receives_announcements(await turn.session(), client.id)
    text = T.MENU.format(
        cadence=_cadence_name(client.checkin_cadence),
        time=client.checkin_time,
        timezone=client.timezone,
        quiet=quiet,
        pause=pause,
        channel=line.format(channel=name) + (T.ANNOUNCEMENTS_ON if announcements else T.ANNOUNCEMENTS_OFF),
    )
    # The cohort leaderboard is opt-in: off until the client turns it on here.
    text += "\n" + (T.LEADERBOARD_ON if client.cohort_leaderboard else T.LEADERBOARD_OFF)
    return OutgoingMessage(
        text,
        tuple(
            tuple(row)
            for row in buttons(
                (T.MENU_TIME, "time"),
                (T.MENU_CADENCE, "cadence"),
                (T.MENU_QUIET, "quiet"),
                (T.MENU_PAUSE, "pause"),
                (T.MENU_CHANNEL, "channel"),
                (
                    T.MENU_ANNOUNCEMENTS_OFF if announcements else T.MENU_ANNOUNCEMENTS_ON,
                    ANNOUNCEMENTS_CHOICE,
                ),
                (T.MENU_LEADERBOARD, "leaderboard"),
                (T.MENU_DONE, "done"),
            )
        ),
    )


async def answer_menu(turn: Turn) -> Next:
    choice = turn.text.lower()
    if choice in {"done", "/done"} | BACK_WORDS:
        turn.say(T.DONE)
        return END
    if choice == ANNOUNCEMENTS_CHOICE:
        await toggle_announcements(turn)
        return "menu"
    if choice == "leaderboard":
        client = await _client(turn)
        await set_leaderboard(await turn.session(), client.id, on=not client.cohort_leaderboard)
        turn.writes = True
        turn.say(T.LEADERBOARD_ON if client.cohort_leaderboard else T.LEADERBOARD_OFF)
        return "menu"
    if choice not in MENU_CHOICES:
        raise InvalidAnswer(T.BAD_MENU)
    return MENU_CHOICES[choice]


async def toggle_announcements(turn: Turn) -> None:
    """Announcements on ↔ off: applies to every announcement not yet sent out."""
    assert turn.client_id is not None
    session = await turn.session()
    wanted = not await receives_announcements(session, turn.client_id)
    await set_receives_announcements(session, turn.client_id, wanted, now=turn.now)
    note_saved(turn, T.SAVED_WHAT["announcements"])
    turn.say(T.SAVED)


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
        raise InvalidAnswer(explain(exc)) from None
    for change in changes:
        note_saved(turn, T.SAVED_WHAT.get(change.removeprefix("clear_").removesuffix("_days"), change))
    turn.say(T.SAVED)
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
        title=T.CALENDAR_EVENT,
        description=T.CALENDAR_EVENT_NOTE,
    )
    turn.replies.append(
        OutgoingMessage(T.CALENDAR, files=(OutgoingFile("checkin-schedule.ics", content, ICS_MIME),))
    )


async def answer_time(turn: Turn) -> Next:
    client = await _save(turn, checkin_time=parse_clock(turn.text))
    _send_calendar(turn, client)
    return "menu"


async def answer_cadence(turn: Turn) -> Next:
    choice = turn.text.strip().lower()
    if choice not in {c.value for c in Cadence}:
        raise InvalidAnswer(T.BAD_CADENCE)
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
        raise InvalidAnswer(T.BAD_QUIET)
    try:
        quiet = check_quiet_hours(parse_clock(match.group(1)), parse_clock(match.group(2)))
    except (InvalidAnswer, ValidationError):
        raise InvalidAnswer(T.BAD_QUIET) from None
    await _save(turn, quiet_hours=quiet)
    return "menu"


async def answer_pause(turn: Turn) -> Next:
    """A typed number is a number of days (the buttons are only shortcuts for 1, 3 and 7)."""
    text = turn.text.strip().lower().removesuffix("days").removesuffix("day").strip()
    if not text.isdigit() or int(text) > MAX_PAUSE_DAYS:
        raise InvalidAnswer(T.BAD_PAUSE.format(max_days=MAX_PAUSE_DAYS))
    await _save(turn, pause_days=int(text))
    return "menu"


def _offered_channels() -> list[str]:
    return [c.value for c in CHANNELS if can_deliver(c.value)]


async def ask_pause(turn: Turn) -> OutgoingMessage:
    pairs = [(T.PAUSE_DAYS.format(n=n), str(n)) for n in (1, 3, 7)]
    return await asks(T.ASK_PAUSE.format(max_days=MAX_PAUSE_DAYS), buttons(*pairs, (T.PAUSE_RESUME, "0")))(
        turn
    )


async def ask_channel(turn: Turn) -> OutgoingMessage:
    pairs = [(T.CHANNEL_LABELS.get(c, c), c) for c in _offered_channels()]
    return OutgoingMessage(T.ASK_CHANNEL, tuple(tuple(r) for r in _with_back(buttons(*pairs))))


async def answer_channel(turn: Turn) -> Next:
    choice = turn.text.strip().lower()
    offered = _offered_channels()
    if choice not in offered:
        names = ", ".join(T.CHANNEL_LABELS.get(c, c) for c in offered)
        raise InvalidAnswer(T.BAD_CHANNEL.format(channels=names))
    client = await _client(turn)
    if choice == Platform.EMAIL and not email_reachable(client):
        return "email"  # ask for the address, confirm it with a code, then switch
    if choice == Platform.SMS and await sms_identity(await turn.session(), client.id) is None:
        return "phone"  # ask for the number, then switch
    if choice in CHAT_CHANNELS and not await _reachable_on(turn, client, choice):
        raise InvalidAnswer(T.NO_IDENTITY.format(channel=T.CHANNEL_LABELS.get(choice, choice)))
    await _save(turn, channel=choice)
    return "menu"


async def email_verified(turn: Turn, _email: str) -> Next:
    """The address typed after choosing Email is confirmed: reminders go there from now on."""
    note_saved(turn, T.SAVED_WHAT["email"])
    await _save(turn, channel=Platform.EMAIL.value)
    return "menu"


async def answer_phone(turn: Turn) -> Next:
    assert turn.client_id is not None
    try:
        await set_sms_number(await turn.session(), turn.client_id, turn.text)
    except ValidationError as exc:
        raise InvalidAnswer(T.PHONE_TAKEN if exc.field == NUMBER_TAKEN else T.BAD_PHONE) from None
    note_saved(turn, T.SAVED_WHAT["phone"])
    await _save(turn, channel=Platform.SMS.value)
    return "menu"


FLOW = Flow(
    name="settings",
    version=2,
    steps=[
        Step("menu", ask_menu, answer_menu),
        Step("time", asks(T.ASK_TIME), back_or(answer_time)),
        Step(
            "cadence",
            asks(
                T.ASK_CADENCE,
                buttons(
                    (T.CADENCE_DAILY, "daily"), (T.CADENCE_WEEKDAYS, "weekdays"), (T.CADENCE_WEEKLY, "weekly")
                ),
            ),
            back_or(answer_cadence),
        ),
        Step(
            "quiet",
            asks(T.ASK_QUIET, buttons(("22:00-07:00", "22:00-07:00"), (T.QUIET_OFF, "off"))),
            back_or(answer_quiet),
        ),
        Step(
            "pause",
            ask_pause,
            back_or(answer_pause),
        ),
        Step("channel", ask_channel, back_or(answer_channel)),
        # The address, then the code sent to it: only a confirmed address receives reminders.
        *email_steps(
            ask_address=asks(T.ASK_EMAIL),
            bad_address=T.BAD_EMAIL,
            back="menu",
            on_verified=email_verified,
            guard=back_or,
        ),
        Step("phone", asks(T.ASK_PHONE), back_or(answer_phone)),
    ],
)


def install(calendar: ScheduleCalendar | None = None) -> None:
    """Register ``/settings`` with the engine; ``calendar`` is injected by the integrations layer."""
    global _calendar
    if calendar is not None:
        _calendar = calendar
    register_flow(FLOW)
    register_command("/settings", flow=FLOW.name, help=Commands.SETTINGS)
