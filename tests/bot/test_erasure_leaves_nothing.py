"""Erasure that leaves nothing: clients onboarded through the console, Telegram and Slack write notes,
messages and files; the coach sees them in Slack; then each is erased, and a full dump of the database
(SQLite ``iterdump``, PostgreSQL ``pg_dump``) and the storage directory are searched for their name,
email, phone number and notes."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.slack.threads import relay_pending
from domain.db import Database
from domain.models import ChannelIdentity
from domain.services import coaches
from domain.services.erasure import erase_client
from domain.services.files import read_stored_file, unlink_stored_files
from tests.slack.conftest import (  # noqa: F401 - the Slack rig's fixtures
    COACH_DM,
    COACH_USER,
    SlackHarness,
    harness,
    slack_api,
)
from tests.support.chat import FREE_PROGRAM, ONBOARDING, Chat, play, running_engine
from tests.support.telegram_api import FakeTelegram
from tests.telegram.harness import TelegramUser, start_harness

PEOPLE = {
    "console": (
        "Quentin Zarathustra",
        "quentin.z@example.net",
        "+44 7700 900123",
        "hamstring twinge in sprints",
    ),
    "telegram": (
        "Wilhelmina Oyelaran",
        "w.oyelaran@example.org",
        "+1 415 555 0199",
        "migraine kept me off the bike",
    ),
    "slack": (
        "Bartholomew Xenakis",
        "bart.xenakis@example.com",
        "+49 30 9876 5432",
        "shin splints flared up again",
    ),
}


def script_for(name: str) -> list[str]:
    return [name if step == "Sam" else step for step in [*ONBOARDING, FREE_PROGRAM]]


def check_in(note: str) -> list[str]:
    return ["/checkin", "[3]", "4", "6", "[No]", "10", note]


class SlackPerson:
    """A client in a DM with the app: messages as signed events, presses as signed block actions."""

    def __init__(self, rig: SlackHarness, user: str) -> None:
        self.harness = rig
        self.user = user
        self.channel = "D" + user
        self.last: dict[str, Any] = {}
        self.n = 0

    def _mine(self) -> list[dict[str, Any]]:
        return [p for p in self.harness.api.of("chat.postMessage") if p["channel"] == self.channel]

    async def _wait(self, before: int) -> dict[str, Any]:
        for _ in range(300):
            await self.harness.bot.drain()
            await self.harness.deliver_outbox()
            if len(self._mine()) > before:
                self.last = self._mine()[-1]
                return self.last
            await asyncio.sleep(0.02)
        raise AssertionError("the bot did not answer")

    async def send(self, text: str, files: list[str] | None = None) -> dict[str, Any]:
        before = len(self._mine())
        self.n += 1
        event: dict[str, Any] = {
            "type": "message",
            "channel_type": "im",
            "channel": self.channel,
            "user": self.user,
        }
        if files:
            event |= {"subtype": "file_share", "files": [self.harness.api.file_event_entry(f) for f in files]}
        await self.harness.event({**event, "text": text, "ts": f"1700000{self.n:03d}.000100"})
        return await self._wait(before)

    async def press(self, label: str) -> dict[str, Any]:
        for post in reversed(self._mine()):
            for block in post.get("blocks") or []:
                for element in block.get("elements", []) if block["type"] == "actions" else []:
                    if element["text"]["text"] == label and "url" not in element:
                        before = len(self._mine())
                        message = {
                            "ts": f"1700009{self.n:03d}.0001",
                            "text": post["text"],
                            "blocks": post["blocks"],
                        }
                        self.n += 1
                        await self.harness.action(
                            element["action_id"],
                            element["value"],
                            user=self.user,
                            channel=self.channel,
                            message=message,
                            label=label,
                        )
                        return await self._wait(before)
        raise AssertionError(f"no button {label!r}")


async def dump_database(db: Database, tmp: Path) -> str:
    url = make_url(db.url)
    if db.is_sqlite:
        assert url.database
        with sqlite3.connect(url.database) as conn:
            return "\n".join(conn.iterdump())
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    out = tmp / "dump.sql"
    args = [
        "pg_dump",
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
    ]
    command = [*args, "-f", str(out), url.database or ""]
    await asyncio.to_thread(subprocess.run, command, check=True, timeout=120)
    return out.read_text()


def stored_files(storage: Path) -> list[Path]:
    return [path for path in storage.rglob("*") if path.is_file()] if storage.exists() else []


def grep_storage(storage: Path, needles: list[str]) -> list[str]:
    found = []
    for path in storage.rglob("*") if storage.exists() else []:
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path}: {n}" for n in needles if n.encode() in data]
    return found


@pytest.mark.once
async def test_erased_clients_of_every_channel_leave_no_trace(
    db: Database,
    harness: SlackHarness,  # noqa: F811 - the Slack rig's fixture
    tmp_path: Path,
) -> None:
    storage = tmp_path / "files"
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(
            session, name="Ada Coach", email="ada@example.com", slack_user_id=COACH_USER
        )
        program = await coaches.create_program(
            session, coach_id=coach.id, name="Starter", price_minor=0, currency="usd"
        )
        await coaches.publish_program(session, program.id)
        invite = coach.invite_code

    # Console.
    async with running_engine(db) as engine:
        name, email, phone, note = PEOPLE["console"]
        console = Chat(engine, "con-7", platform="console")
        await play(console, [f"/start {invite}", *script_for(name)[1:]])
        await play(console, check_in(note))
        await console.send(f"My email is {email}, phone {phone}.")

    # Telegram (webhook, aiogram), with a photo.
    fake = FakeTelegram()
    await fake.start()
    async with running_engine(db) as engine:
        tg = await start_harness(db, fake, engine, driver="aiogram", mode="webhook", storage_dir=storage)
        try:
            name, email, phone, note = PEOPLE["telegram"]
            person = TelegramUser(tg, 990001, name=name)
            await person.send(f"/start {invite}")
            await play(person, script_for(name)[1:])
            await play(person, check_in(note))
            await person.push(fake.send_photo(990001, b"\xff\xd8" + note.encode(), caption=f"{note} {email}"))
            await person.send(f"Call me on {phone} or mail {email}")
        finally:
            await tg.stop()
            await fake.stop()

    # Slack (a DM with the app).
    name, email, phone, note = PEOPLE["slack"]
    slack = SlackPerson(harness, "UBARTX01")
    await slack.send(f"/start {invite}")
    await play(slack, script_for(name)[1:])
    await play(slack, check_in(note))
    await slack.send(f"Reach me at {email} / {phone}")
    scan = harness.api.add_file(
        f"%PDF-1.7 {name} {note}".encode(), name="scan.pdf", mimetype="application/pdf"
    )
    await slack.send("my scan", files=[scan])

    # The coach sees it all in Slack threads.
    await relay_pending(db)
    for _ in range(20):
        await harness.deliver_outbox()
    posted = str(harness.api.of("chat.postMessage"))
    assert all(PEOPLE[c][0] in posted for c in PEOPLE)

    # Their files are on disk, encrypted: grepping the raw bytes alone would prove nothing, so the
    # files themselves must be gone after the erasure.
    kept = stored_files(storage)
    assert {path.parent.name for path in kept} == {"telegram", "slack"}
    contents = b"".join(read_stored_file(path) for path in kept)
    assert PEOPLE["telegram"][3].encode() in contents and PEOPLE["slack"][3].encode() in contents
    assert grep_storage(storage, needles=[person[3] for person in PEOPLE.values()]) == []

    before = await dump_database(db, tmp_path)
    needles = [value for person in PEOPLE.values() for value in person]
    assert all(person[0] in before for person in PEOPLE.values())  # names are not encrypted

    for platform, user in (("console", "con-7"), ("telegram", "990001"), ("slack", "UBARTX01")):
        async with db.unit_of_work() as session:
            client_id = await session.scalar(
                select(ChannelIdentity.client_id).where(
                    ChannelIdentity.platform == platform, ChannelIdentity.external_user_id == user
                )
            )
            assert client_id is not None, platform
            report = await erase_client(session, client_id, actor="admin:test")
        unlink_stored_files(report.file_paths, storage)

    after = await dump_database(db, tmp_path)
    surnames = [person[0].split()[-1] for person in PEOPLE.values()]
    leaks = [n for n in [*needles, *surnames] if n in after]
    assert leaks == [], "\n".join(line for line in after.splitlines() if any(n in line for n in leaks))[:3000]
    assert grep_storage(storage, [*needles, *surnames]) == []
    assert stored_files(storage) == []
