"""``/settings`` through the real conversation engine: each preference, re-prompts, the calendar file."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from icalendar import Calendar

from conversations.engine import ConversationEngine
from conversations.flows import settings as settings_flow
from conversations.messages import IncomingMessage, OutgoingMessage
from conversations.registry import unregister
from domain.clock import ensure_utc
from domain.db import Database
from domain.models import Client
from integrations.calendar import checkin_schedule_ics
from tests.reminders.conftest import Clock, People, by_kind, plan, reminders, utc

_ids = itertools.count(1)


@pytest.fixture
async def engine(db: Database) -> AsyncIterator[tuple[ConversationEngine, Clock]]:
    settings_flow.install(calendar=checkin_schedule_ics)
    clock = Clock(utc(2026, 11, 24, 6, 0))
    engine = ConversationEngine(db, clock=clock)
    await engine.start()
    yield engine, clock
    await engine.stop()
    unregister("/settings")
    unregister("settings")


class Talk:
    """One client typing to the engine on their Telegram identity."""

    def __init__(self, engine: ConversationEngine, external: str, chat: str) -> None:
        self.engine, self.external, self.chat = engine, external, chat

    async def __call__(self, text: str | None = None, payload: str | None = None) -> list[OutgoingMessage]:
        return await self.engine.handle(
            IncomingMessage(
                platform="telegram",
                external_user_id=self.external,
                chat_id=self.chat,
                message_id=str(next(_ids)),
                text=text,
                button_payload=payload,
            )
        )


async def talk_to(engine: ConversationEngine, db: Database, client: Client) -> Talk:
    from sqlalchemy import select

    from domain.models import ChannelIdentity

    async with db.unit_of_work() as session:
        identity = (
            await session.scalars(select(ChannelIdentity).where(ChannelIdentity.client_id == client.id))
        ).one()
    return Talk(engine, identity.external_user_id, identity.chat_id)


def text_of(replies: list[OutgoingMessage]) -> str:
    return "\n".join(r.text for r in replies)


async def stored(db: Database, client: Client) -> Client:
    async with db.unit_of_work() as session:
        found = await session.get(Client, client.id)
        assert found is not None
        return found


async def test_change_time_with_calendar_and_replanned_reminders(
    db: Database, people: People, engine: tuple[ConversationEngine, Clock]
) -> None:
    client = await people.client(timezone="Europe/Berlin")
    await plan(db, utc(2026, 11, 24, 6, 0))
    say = await talk_to(engine[0], db, client)
    menu = await say("/settings")
    assert "daily at 09:00 (Europe/Berlin)" in text_of(menu)
    assert "Reminder time" in [b.label for r in menu for b in r.all_buttons]
    await say(payload="time")
    retry = await say("quarter past seven")
    assert "07:30, 19:00 or 7pm" in text_of(retry)
    replies = await say("7.15pm")
    assert "Saved." in text_of(replies)
    [ics] = [f for r in replies for f in r.files]
    assert ics.file_name == "checkin-schedule.ics" and ics.mime_type == "text/calendar"
    [event] = Calendar.from_ical(ics.content).walk("VEVENT")
    assert event["DTSTART"].dt.hour == 19 and event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert str(event["SUMMARY"]) == "Check-in with your coach"
    assert (await stored(db, client)).checkin_time == "19:15"
    checkins = by_kind(await reminders(db, client_id=client.id), "checkin")
    assert ensure_utc(checkins[0].due_at) == utc(2026, 11, 24, 18, 15)  # 19:15 CET
    done = await say(payload="done")
    assert "All set" in text_of(done)


async def test_the_calendar_event_is_in_the_clients_language(
    db: Database, people: People, engine: tuple[ConversationEngine, Clock]
) -> None:
    client = await people.client(timezone="Europe/Madrid", locale="es")
    say = await talk_to(engine[0], db, client)
    await say("/settings")
    await say(payload="time")
    replies = await say("19:15")
    [ics] = [f for r in replies for f in r.files]
    [event] = Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Check-in con tu coach"
    assert str(event["DESCRIPTION"]) == "Responde al bot con /checkin. Cambia la hora con /settings."
    [alarm] = event.walk("VALARM")
    assert str(alarm["DESCRIPTION"]) == "Check-in con tu coach"


async def test_quiet_hours_pause_cadence_and_channel(
    db: Database, people: People, engine: tuple[ConversationEngine, Clock]
) -> None:
    client = await people.client()
    say = await talk_to(engine[0], db, client)
    await say("/settings")
    await say(payload="quiet")
    assert "22:00-07:00" in text_of(await say("late"))
    await say("22:30 - 6:45")
    saved = await stored(db, client)
    assert (saved.quiet_hours_start, saved.quiet_hours_end) == ("22:30", "06:45")

    await say(payload="pause")
    assert "between 0 and 90" in text_of(await say("forever"))
    assert "between 0 and 90" in text_of(await say("400"))
    await say("7 days")
    assert ensure_utc((await stored(db, client)).paused_until) == utc(2026, 12, 1, 6, 0)  # type: ignore[arg-type]
    menu = await say(payload="pause")
    await say("0")
    assert (await stored(db, client)).paused_until is None
    assert menu

    await say(payload="cadence")
    assert "daily, weekdays or weekly" in text_of(await say("sometimes"))
    await say(payload="weekdays")
    assert (await stored(db, client)).checkin_cadence == "weekdays"

    await say(payload="channel")
    assert "talked to me on Slack" in text_of(await say(payload="slack"))
    assert "What email address" in text_of(await say(payload="email"))
    assert "doesn't look like an email address" in text_of(await say("sam@"))
    assert "What would you like to change?" in text_of(await say(payload="back"))
    await say(payload="channel")
    await say(payload="telegram")
    assert (await stored(db, client)).preferred_channel == "telegram"


async def test_announcements_can_be_turned_off_and_on_again(
    db: Database, people: People, engine: tuple[ConversationEngine, Clock]
) -> None:
    from domain.services.announcements import receives_announcements

    client = await people.client()
    say = await talk_to(engine[0], db, client)
    menu = await say("/settings")
    assert "Announcements from your coach: on." in text_of(menu)
    assert any(b.payload == "announcements" for row in menu[-1].buttons for b in row)
    replies = await say(payload="announcements")
    assert "Saved." in text_of(replies)
    assert "Announcements from your coach: off." in text_of(replies)
    async with db.unit_of_work() as session:
        assert not await receives_announcements(session, client.id)
    labels = [b.label for row in replies[-1].buttons for b in row]
    assert "Get announcements" in labels
    await say("announcements")  # typed works as well as pressed
    async with db.unit_of_work() as session:
        assert await receives_announcements(session, client.id)


async def test_sms_asks_for_a_number_in_international_form(
    db: Database, people: People, engine: tuple[ConversationEngine, Clock]
) -> None:
    from domain.services.outbox import reachable_identities

    client = await people.client()
    other = await people.client()
    say = await talk_to(engine[0], db, client)
    await say("/settings")
    offered = await say(payload="channel")
    assert "SMS" in [b.label for r in offered for b in r.all_buttons]
    assert "mobile number" in text_of(await say(payload="sms"))
    assert "+4915112345678" in text_of(await say("0151 1234"))  # no country code: asked again
    async with db.unit_of_work() as session:
        from domain.services.sms import set_sms_number

        await set_sms_number(session, other.id, "+4915199999999")
    assert "already used by someone else" in text_of(await say("+49 151 9999 9999"))
    replies = await say("0049 (151) 1234-5678")
    assert "Saved." in text_of(replies)
    assert (await stored(db, client)).preferred_channel == "sms"
    async with db.unit_of_work() as session:
        [first, *_] = await reachable_identities(session, client.id)
        assert (first.platform, first.chat_id) == ("sms", "+4915112345678")
    # Back on Telegram: the number is kept but no longer a fallback that costs an SMS.
    await say(payload="channel")
    await say(payload="telegram")
    async with db.unit_of_work() as session:
        assert [i.platform for i in await reachable_identities(session, client.id)] == ["telegram"]


async def test_the_cohort_leaderboard_is_off_until_the_client_turns_it_on(
    db: Database, people: People, engine: tuple[ConversationEngine, Clock]
) -> None:
    client = await people.client()
    assert not (await stored(db, client)).cohort_leaderboard  # opt-in: off by default
    say = await talk_to(engine[0], db, client)
    menu = await say("/settings")
    assert "Cohort leaderboard: off (nothing of yours is shown in your group)." in text_of(menu)
    assert any(
        b.payload == "leaderboard" and b.label == "Leaderboard" for row in menu[-1].buttons for b in row
    )
    replies = await say(payload="leaderboard")
    assert "Cohort leaderboard: on (your first name and run minutes show in your group)." in text_of(replies)
    assert (await stored(db, client)).cohort_leaderboard
    await say("leaderboard")  # typed works too: off again
    assert not (await stored(db, client)).cohort_leaderboard


def test_clock_parsing() -> None:
    parse = settings_flow.parse_clock
    assert [parse(t) for t in ("7", "07:30", "7.30", "7h30", "7pm", "12am", "19h", "23:59")] == [
        "07:00",
        "07:30",
        "07:30",
        "07:30",
        "19:00",
        "00:00",
        "19:00",
        "23:59",
    ]
    for bad in ("24:00", "7:60", "13pm", "noon", ""):
        with pytest.raises(settings_flow.InvalidAnswer):
            parse(bad)
