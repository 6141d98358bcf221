"""Calendars against a real CalDAV server (Radicale, started per test module): a coach's own busy
times are read with ``caldav`` and never offered; an unreachable calendar keeps the last busy times and
says why. The private iCal feed served by ``coach run``'s HTTP server validates with icalendar, is
subscribed into a CalDAV calendar, follows a reschedule (same UID, higher SEQUENCE), and answers 404
once revoked."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import aiohttp
import caldav
import pytest
from aiohttp import web
from icalendar import Calendar

from bot.calendars import CalendarComponent
from bot.cli.main import main
from bot.components import AppContext
from bot.config import load_settings
from domain.booking.availability import parse_availability
from domain.db import Database
from domain.models import CoachCalendar
from domain.services import booking as bookings
from domain.services.calendars import new_feed_token, revoke_feed, set_caldav
from domain.services.clients import register_client
from domain.services.coaches import create_coach
from integrations.caldav.sync import sync_all
from tests.support.radicale import radicale_server
from tests.support.servers import serve_locally

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
MONDAY_9_NY = datetime(2026, 12, 7, 14, tzinfo=UTC)  # Monday 7 Dec, 09:00 in New York
HOURS = (
    'timezone: America/New_York\nbuffer_minutes: 10\nnotice_hours: 24\nweekly:\n  monday: ["09:00-12:00"]\n'
)


def event(uid: str, lines: str) -> str:
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\n"
        f"UID:{uid}\nDTSTAMP:20261201T000000Z\n{lines}\nEND:VEVENT\nEND:VCALENDAR\n"
    )


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with radicale_server(tmp_path_factory.mktemp("radicale")) as url:
        yield url


def new_calendar(root: str, user: str, name: str) -> caldav.Calendar:
    client = caldav.DAVClient(url=root, username=user, password="unused")
    return client.principal().make_calendar(name=name, cal_id=name)


async def a_coach(db: Database) -> tuple[int, int]:
    async with db.unit_of_work() as session:
        coach = await create_coach(session, name="Ada", email="ada@example.com", timezone="America/New_York")
        await bookings.set_availability(session, coach.id, parse_availability(HOURS), actor="test")
        client = await register_client(
            session,
            platform="console",
            external_user_id="sam",
            chat_id="sam",
            display_name="Sam",
            coach_id=coach.id,
        )
        return coach.id, client.id


async def offered(db: Database, coach_id: int) -> list[datetime]:
    async with db.unit_of_work() as session:
        return (await bookings.offer_slots(session, coach_id, now=NOW, limit=20))[1]


async def test_busy_times_in_the_coachs_caldav_calendar_are_never_offered(
    db: Database,
    radicale: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    coach_id, _ = await a_coach(db)
    calendar = await asyncio.to_thread(new_calendar, radicale, "ada", "busy")
    saves = [
        event("dentist", "DTSTART:20261207T140000Z\nDTEND:20261207T143000Z\nSUMMARY:Dentist"),  # 09:00-09:30
        event(
            "free", "DTSTART:20261207T160000Z\nDTEND:20261207T170000Z\nTRANSP:TRANSPARENT\nSUMMARY:Tentative"
        ),
        event("holiday", "DTSTART;VALUE=DATE:20261214\nDTEND;VALUE=DATE:20261215\nSUMMARY:Off"),  # all day
        event(
            "weekly",
            "DTSTART;TZID=America/New_York:20261221T110000\nDTEND;TZID=America/New_York:20261221T120000\n"
            "RRULE:FREQ=WEEKLY;COUNT=3\nSUMMARY:Team call",
        ),
    ]
    for text in saves:
        await asyncio.to_thread(calendar.save_event, text)
    before = await offered(db, coach_id)
    assert MONDAY_9_NY in before
    async with db.unit_of_work() as session:
        await set_caldav(
            session, coach_id, url=str(calendar.url), username="ada", password="secret", actor="test"
        )
    # The dentist, the holiday and the weekly call expanded to the 2 dates within the 28-day horizon.
    assert await sync_all(db, now=NOW) == {coach_id: 4}
    after = await offered(db, coach_id)
    local = {s.astimezone(NEW_YORK).strftime("%m-%d %H:%M") for s in after}
    assert "12-07 09:00" not in local  # the dentist
    assert "12-07 10:00" in local  # clear of it by more than the buffer
    assert "12-07 11:00" in local  # a transparent event is free time
    assert not any(s.startswith("12-14") for s in local)  # the all-day event
    assert "12-21 11:00" not in local and "12-28 11:00" not in local  # the weekly call
    assert "12-21 10:00" in local  # ends 10:50: the 10-minute buffer fits before 11:00

    # The same through the command line; a calendar that cannot be reached keeps what was read.
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    assert await asyncio.to_thread(main, ["calendar", "sync", "--coach", str(coach_id)]) == 0
    assert f"coach {coach_id}: " in (out := capsys.readouterr().out) and "read" in out  # counted from today
    async with db.unit_of_work() as session:
        await set_caldav(
            session, coach_id, url="http://127.0.0.1:9/nothing/", username=None, password=None, actor="test"
        )
        row = await session.get(CoachCalendar, coach_id)
        assert row is not None
        row.busy = [[MONDAY_9_NY.isoformat(), (MONDAY_9_NY + timedelta(minutes=30)).isoformat()]]
    results = await sync_all(db, now=NOW)
    assert isinstance(results[coach_id], str)
    async with db.unit_of_work() as session:
        row = await session.get(CoachCalendar, coach_id)
        assert row is not None and row.sync_error and row.busy
    assert MONDAY_9_NY not in await offered(db, coach_id)
    assert await asyncio.to_thread(main, ["calendar", "sync", "--coach", str(coach_id)]) == 1
    assert "calendar not read" in capsys.readouterr().err


async def fetch(url: str) -> tuple[int, bytes, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.read(), response.headers.get("Content-Type", "")


async def test_feed_validates_subscribes_into_caldav_and_follows_changes(db: Database, radicale: str) -> None:
    coach_id, client_id = await a_coach(db)
    async with db.unit_of_work() as session:
        held = await bookings.hold_slot(
            session,
            coach_id=coach_id,
            client_id=client_id,
            start=MONDAY_9_NY,
            minutes=50,
            buffer_minutes=10,
            video_url="https://meet.jit.si/CoachSession-abc",
        )
        token = await new_feed_token(session, coach_id, actor="test")
    assert held is not None
    app = web.Application()
    CalendarComponent(AppContext(settings=load_settings(), db=db)).install_routes(app)
    runner, root = await serve_locally(app)
    try:
        status, body, content_type = await fetch(f"{root}/calendar/{token}.ics")
        assert status == 200 and content_type.startswith("text/calendar")
        feed = Calendar.from_ical(body)
        [vevent] = feed.walk("VEVENT")
        assert str(vevent["UID"]) == held.uid and int(vevent["SEQUENCE"]) == 0
        assert vevent.decoded("DTSTART") == MONDAY_9_NY and str(vevent["SUMMARY"]) == "Session with Sam"
        assert str(vevent["LOCATION"]) == "https://meet.jit.si/CoachSession-abc"

        # Subscribed: a CalDAV calendar takes the feed's events as they are, and again after a change.
        subscribed = await asyncio.to_thread(new_calendar, radicale, "ada-sub", "sessions")

        async def subscribe() -> list[tuple[str, int, datetime]]:
            _, text, _ = await fetch(f"{root}/calendar/{token}.ics")
            for item in Calendar.from_ical(text).walk("VEVENT"):
                single = Calendar()
                single.add("prodid", "-//subscriber//EN")
                single.add("version", "2.0")
                single.add_component(item)
                # Stored exactly as published (a plain PUT: the library's save would raise SEQUENCE).
                href = f"{subscribed.url}{quote(str(item['UID']))}.ics"
                await asyncio.to_thread(
                    subscribed.client.put, href, single.to_ical().decode(), {"Content-Type": "text/calendar"}
                )
            found = await asyncio.to_thread(
                subscribed.search, start=NOW, end=NOW + timedelta(days=30), event=True, expand=False
            )
            return sorted(
                (str(c["UID"]), int(c["SEQUENCE"]), c.decoded("DTSTART"))
                for f in found
                for c in f.icalendar_instance.walk("VEVENT")
            )

        assert await subscribe() == [(held.uid, 0, MONDAY_9_NY)]
        async with db.unit_of_work() as session:
            moved = await bookings.reschedule_booking(
                session,
                held.id,
                start=MONDAY_9_NY + timedelta(hours=1),
                minutes=50,
                buffer_minutes=10,
                actor="test",
            )
        assert moved is not None
        assert await subscribe() == [(held.uid, 1, MONDAY_9_NY + timedelta(hours=1))]

        assert (await fetch(f"{root}/calendar/not-a-token.ics"))[0] == 404
        async with db.unit_of_work() as session:
            await revoke_feed(session, coach_id, actor="test")
        assert (await fetch(f"{root}/calendar/{token}.ics"))[0] == 404
    finally:
        await runner.cleanup()
