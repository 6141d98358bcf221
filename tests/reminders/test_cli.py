"""``coach reminders due`` and ``coach reminders list``."""

from __future__ import annotations

import asyncio

import pytest

from bot.cli.main import main
from domain.db import Database
from tests.reminders.conftest import People, dispatch, plan, utc
from tests.support.databases import wipe


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    return Database(database_url)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_due_explains_who_and_why(cli_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    async def setup() -> None:
        await wipe(cli_db)
        people = People(cli_db)
        await people.client(timezone="Europe/Berlin", checkin_time="02:30")  # the DST gap on 29 March
        done = await people.client(timezone="UTC", checkin_time="01:00")
        await people.client(timezone="UTC", checkin_time="01:00", paused_until=utc(2026, 4, 1))
        await people.check_in(done, utc(2026, 3, 29, 0, 30))
        await people.coach(timezone="UTC", digest_time="01:00")
        await cli_db.dispose()

    asyncio.run(setup())
    code, out, _ = run(capsys, "reminders", "due", "--at", "2026-03-29T01:00:00Z")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["due", "(UTC)", "kind", "recipient", "action", "why"]
    body = "\n".join(" ".join(line.split()) for line in lines[1:])
    # Named, not only numbered.
    assert "checkin Client 1 (client:1) send daily check-in at 02:30 Europe/Berlin, moved to 03:00" in body
    assert "checkin Client 2 (client:2) skip daily check-in at 01:00 UTC; already checked in that day" in body
    assert "checkin Client 3 (client:3) skip" in body and "paused until 2026-04-01" in body
    assert "coach_digest Coach 4 (coach:1) send daily digest at 01:00 UTC" in body
    assert len(lines) == 5
    code, out, _ = run(capsys, "reminders", "due", "--at", "2026-03-29T01:01+00:00")
    assert code == 0 and out.startswith("nobody is due at 2026-03-29T01:01")


def test_due_rejects_a_naive_or_malformed_instant(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "reminders", "due", "--at", "2026-03-29T01:00")
    assert code == 2 and "offset" in err
    code, _, err = run(capsys, "reminders", "due", "--at", "tomorrow")
    assert code == 2 and "ISO-8601" in err


def test_list_all_or_one_identity(cli_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    async def setup() -> None:
        await wipe(cli_db)
        people = People(cli_db)
        await people.client()
        await people.client()
        await plan(cli_db, utc(2026, 11, 24, 6, 0))
        await dispatch(cli_db, utc(2026, 11, 24, 9, 0))
        await cli_db.dispose()

    asyncio.run(setup())
    code, out, _ = run(capsys, "reminders", "list")
    assert code == 0 and out.count("client:1") == 4 and out.count("client:2") == 4
    assert "sent" in out and "pending" in out
    code, out, _ = run(capsys, "reminders", "list", "--identity", "telegram:u2")
    assert code == 0 and "client:2" in out and "client:1" not in out
    code, _, err = run(capsys, "reminders", "list", "--identity", "telegram:nobody")
    assert code == 1 and "no client with identity" in err
