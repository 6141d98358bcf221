"""``coach availability set/show/sessions`` and ``coach calendar feed``: friendly line-precise errors,
the stored hours read back, a feed address that a new one (or --revoke) turns off."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli.main import main
from domain.db import Database
from domain.services.calendars import coach_for_feed
from domain.services.coaches import create_coach, create_program
from tests.support.databases import wipe

HOURS = """\
session_minutes: 45
buffer_minutes: 15
weekly:
  monday: ["09:00-12:00"]
  thursday: ["13:00-17:00"]
exceptions:
  - date: 2026-12-24
"""


async def a_coach(url: str) -> tuple[int, int]:
    db = Database(url)
    try:
        await wipe(db)
        async with db.unit_of_work() as s:
            coach = await create_coach(s, name="Ada", email="ada@example.com", timezone="Europe/Berlin")
            program = await create_program(
                s, coach_id=coach.id, name="Premium", price_minor=4900, currency="usd"
            )
            return coach.id, program.id
    finally:
        await db.dispose()


async def feed_owner(url: str, token: str) -> int | None:
    db = Database(url)
    try:
        async with db.unit_of_work() as s:
            return await coach_for_feed(s, token)
    finally:
        await db.dispose()


def test_availability_set_and_show(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    coach, program = asyncio.run(a_coach(database_url))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    hours = tmp_path / "hours.yaml"
    hours.write_text(HOURS)
    assert main(["availability", "set", "--coach", str(coach), "--file", str(hours)]) == 0
    out = capsys.readouterr().out
    assert "45-minute sessions, 15 min buffer" in out and "Europe/Berlin" in out  # the coach's timezone
    assert "Monday 09:00-12:00, Thursday 13:00-17:00" in out
    assert main(["availability", "show", "--coach", str(coach)]) == 0
    shown = capsys.readouterr().out
    assert "timezone: Europe/Berlin" in shown and "- date: '2026-12-24'" in shown
    assert main(["availability", "sessions", "--program", str(program), "--count", "4"]) == 0
    assert "includes 4 sessions" in capsys.readouterr().out


def test_availability_errors_name_the_file_and_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    coach, _ = asyncio.run(a_coach(database_url))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    hours = tmp_path / "hours.yaml"
    hours.write_text(HOURS.replace('"13:00-17:00"', '"1pm-5pm"'))
    assert main(["availability", "set", "--coach", str(coach), "--file", str(hours)]) == 1
    err = capsys.readouterr().err
    assert f"{hours}: line 5: hours are written like 09:00-12:30, not '1pm-5pm'" in err
    assert main(["availability", "set", "--coach", "999", "--file", str(hours)]) == 1
    assert main(["availability", "show", "--coach", str(coach)]) == 1
    assert "has no availability yet" in capsys.readouterr().err
    assert main(["availability", "set", "--coach", str(coach), "--file", str(tmp_path / "missing.yaml")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_calendar_feed_new_address_and_revoke(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    coach, _ = asyncio.run(a_coach(database_url))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    monkeypatch.setenv("COACH_PUBLIC_URL", "https://coach.example.com")
    assert main(["calendar", "feed", "--coach", str(coach)]) == 0
    first = capsys.readouterr().out.strip()
    assert first.startswith("https://coach.example.com/calendar/") and first.endswith(".ics")
    token = first.rsplit("/", 1)[1].removesuffix(".ics")
    assert asyncio.run(feed_owner(database_url, token)) == coach
    assert main(["calendar", "feed", "--coach", str(coach)]) == 0
    second = capsys.readouterr().out.strip()
    assert second != first and asyncio.run(feed_owner(database_url, token)) is None
    assert main(["calendar", "feed", "--coach", str(coach), "--revoke"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert asyncio.run(feed_owner(database_url, second.rsplit("/", 1)[1].removesuffix(".ics"))) is None


def test_calendar_caldav_set_and_remove(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from domain.models import CoachCalendar

    async def stored(coach_id: int) -> tuple[str | None, str | None, str | None]:
        db = Database(database_url)
        try:
            async with db.unit_of_work() as s:
                row = await s.get(CoachCalendar, coach_id)
                assert row is not None
                return row.caldav_url, row.caldav_username, row.caldav_password
        finally:
            await db.dispose()

    coach, _ = asyncio.run(a_coach(database_url))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    url = "https://dav.example.com/ada/work/"
    args = [
        "calendar",
        "caldav",
        "--coach",
        str(coach),
        "--url",
        url,
        "--username",
        "ada",
        "--password-stdin",
    ]
    assert main(args) == 0
    assert f"busy times read from {url}" in capsys.readouterr().out
    assert asyncio.run(stored(coach)) == (url, "ada", "s3cret")  # decrypted on read
    assert main(["calendar", "caldav", "--coach", str(coach)]) == 2  # neither --url nor --remove
    assert main(["calendar", "caldav", "--coach", str(coach), "--remove"]) == 0
    assert asyncio.run(stored(coach)) == (None, None, None)
    assert main(["calendar", "caldav", "--coach", str(coach), "--url", "ftp://x"]) == 1
