"""Files both ways: a Slack client's file is stored and re-uploaded into the coach's thread (or kept
with a check-in); a coach's file in a thread reaches a Telegram client through sendPhoto/sendDocument."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.slack.files import CLIENT_FILE_MAX_BYTES, FORWARD_FILE_MAX_BYTES
from bot.slack.threads import relay_pending
from bot.telegram.aiogram_driver import AiogramDriver
from bot.telegram.callback_data import CallbackCodec
from bot.telegram.transport import TelegramTransport
from domain.crypto import BYTES_PREFIX
from domain.models import CheckIn, Coach, CoachThread, Message, StoredFile
from domain.models.enums import MessageDirection
from domain.services.coaches import set_coach_locale
from domain.services.files import read_stored_file
from tests.slack.conftest import COACH_DM, COACH_USER, SlackHarness, add_client
from tests.support.telegram_api import FakeTelegram

CLIENT_USER = "UFILE001"
CLIENT_DM = "DUFILE001"
PHOTO = b"\xff\xd8\xff\xe0fake-jpeg-bytes" * 100


class SlackClientChat:
    def __init__(self, harness: SlackHarness) -> None:
        self.harness = harness
        self.sent = 0

    async def say(self, text: str = "", files: list[str] | None = None) -> dict[str, Any]:
        """One DM from the client; returns the app's answer in the DM."""
        api = self.harness.api
        before = len([p for p in api.of("chat.postMessage") if p["channel"] == CLIENT_DM])
        event: dict[str, Any] = {
            "type": "message",
            "channel_type": "im",
            "channel": CLIENT_DM,
            "user": CLIENT_USER,
            "text": text,
            "ts": f"17000002{self.sent:02d}.000100",
        }
        if files:
            event["subtype"] = "file_share"
            event["files"] = [api.file_event_entry(f) for f in files]
        self.sent += 1
        await self.harness.event(event)
        await api.wait_for("chat.postMessage", len(api.of("chat.postMessage")) + 1)
        await self.harness.bot.drain()
        answers = [p for p in api.of("chat.postMessage") if p["channel"] == CLIENT_DM]
        assert len(answers) > before
        return answers[-1]


async def stored_files(harness: SlackHarness) -> list[StoredFile]:
    async with harness.db.sessions() as session:
        return list((await session.scalars(select(StoredFile).order_by(StoredFile.id))).all())


async def test_a_slack_clients_photo_is_stored_and_reuploaded_into_the_thread(
    harness: SlackHarness, coach: Coach
) -> None:
    client = await add_client(harness.db, coach, "Fay Files", platform="slack", user=CLIENT_USER)
    photo = harness.api.add_file(PHOTO, name="knee.jpg", mimetype="image/jpeg")
    answer = await SlackClientChat(harness).say("my knee today", files=[photo])
    assert "coach" in answer["text"].lower()

    (kept,) = await stored_files(harness)
    assert (kept.client_id, kept.platform, kept.file_id, kept.kind) == (client.id, "slack", photo, "photo")
    assert kept.path and kept.size_bytes == len(PHOTO)
    on_disk = await asyncio.to_thread(Path(kept.path).read_bytes)
    assert on_disk.startswith(BYTES_PREFIX) and b"fake-jpeg-bytes" not in on_disk  # encrypted at rest
    assert await asyncio.to_thread(read_stored_file, kept.path) == PHOTO
    (download,) = harness.api.of("file.download")
    assert download["authorization"] == "Bearer xoxb-test"
    async with harness.db.sessions() as session:
        message = await session.scalar(select(Message).where(Message.client_id == client.id))
    assert message is not None and message.attachments[0]["stored_file_id"] == kept.id

    assert await relay_pending(harness.db) == 1
    await harness.deliver_outbox()
    async with harness.db.sessions() as session:
        thread = await session.scalar(select(CoachThread).where(CoachThread.client_id == client.id))
    assert thread is not None
    (upload,) = await harness.api.wait_for("upload")
    assert upload["size"] == len(PHOTO)
    assert harness.api.uploads[upload["file_id"]].content == PHOTO  # the coach gets the original bytes
    (completed,) = harness.api.of("files.completeUploadExternal")
    assert completed["channel_id"] == COACH_DM and completed["thread_ts"] == thread.thread_ref


async def test_a_photo_at_the_note_step_is_kept_with_the_check_in(
    harness: SlackHarness, coach: Coach
) -> None:
    client = await add_client(harness.db, coach, "Nia Note", platform="slack", user=CLIENT_USER)
    chat = SlackClientChat(harness)
    assert "mood" in (await chat.say("/checkin"))["text"].lower()
    for answer in ("7", "6", "7.5", "yes"):
        await chat.say(answer)
    photo = harness.api.add_file(PHOTO, name="plate.png", mimetype="image/png")
    await chat.say("lunch today", files=[photo])
    async with harness.db.sessions() as session:
        check_in = await session.scalar(select(CheckIn).where(CheckIn.client_id == client.id))
    (kept,) = await stored_files(harness)
    assert check_in is not None and check_in.note == "lunch today"
    assert [a["stored_file_id"] for a in check_in.attachments] == [kept.id]


async def test_oversized_and_unsupported_client_files_get_a_clear_reply(
    harness: SlackHarness, coach: Coach
) -> None:
    await add_client(harness.db, coach, "Ola Odd", platform="slack", user=CLIENT_USER)
    chat = SlackClientChat(harness)
    huge = harness.api.add_file(
        b"x", name="video.jpg", mimetype="image/jpeg", claimed_size=CLIENT_FILE_MAX_BYTES + 1
    )
    assert "too large" in (await chat.say("", files=[huge]))["text"]
    archive = harness.api.add_file(b"PK\x03\x04", name="stuff.zip", mimetype="application/zip")
    assert "can't read that kind of file" in (await chat.say("", files=[archive]))["text"]
    assert await stored_files(harness) == []
    assert harness.api.of("file.download") == []  # rejected from files.info alone, never fetched


@pytest.fixture
async def telegram(harness: SlackHarness) -> AsyncIterator[FakeTelegram]:
    """The Telegram Bot API fixture, with the real Telegram transport on the harness's sender."""
    fake = FakeTelegram()
    await fake.start()
    driver = AiogramDriver(fake.token, fake.root)
    harness.sender.register(TelegramTransport(driver.api, CallbackCodec()))
    try:
        yield fake
    finally:
        await driver.bot.session.close()
        await fake.stop()


async def thread_of(harness: SlackHarness, coach: Coach, client_id: int) -> str:
    async with harness.db.unit_of_work() as session:
        thread = CoachThread(
            platform="slack",
            coach_id=coach.id,
            client_id=client_id,
            channel_id=COACH_DM,
            thread_ref="1700000000.000777",
        )
        session.add(thread)
    return thread.thread_ref


async def coach_reply(harness: SlackHarness, thread_ts: str, text: str, files: list[str], n: int) -> None:
    await harness.event(
        {
            "type": "message",
            "subtype": "file_share",
            "channel_type": "im",
            "channel": COACH_DM,
            "user": COACH_USER,
            "text": text,
            "ts": f"17000009{n:02d}.000001",
            "thread_ts": thread_ts,
            "files": [harness.api.file_event_entry(f) for f in files],
        }
    )
    await harness.bot.drain()


async def test_a_coachs_thread_file_reaches_the_telegram_client(
    harness: SlackHarness, coach: Coach, telegram: FakeTelegram
) -> None:
    client = await add_client(harness.db, coach, "Tom Telegram", user="5551234")
    thread_ts = await thread_of(harness, coach, client.id)
    plan = b"%PDF-1.4 training plan"
    pdf = harness.api.add_file(plan, name="plan.pdf", mimetype="application/pdf")
    photo = harness.api.add_file(PHOTO, name="form.jpg", mimetype="image/jpeg")
    await coach_reply(harness, thread_ts, "Your new plan", [pdf, photo], 1)
    while await harness.deliver_outbox():
        pass

    (text,) = telegram.sent("5551234", method="sendMessage")
    assert text.params["text"] == "💬 Casey Coach: Your new plan"
    (document,) = telegram.sent("5551234", method="sendDocument")
    (sent_photo,) = telegram.sent("5551234", method="sendPhoto")
    assert document.params["file_size"] == len(plan) and sent_photo.params["file_size"] == len(PHOTO)
    async with harness.db.sessions() as session:
        reply = await session.scalar(select(Message).where(Message.direction == MessageDirection.TO_CLIENT))
    assert reply is not None and "plan.pdf" in reply.text
    assert harness.api.of("chat.postEphemeral") == []  # nothing to warn the coach about


async def test_a_coachs_oversized_or_unsupported_file_is_explained(
    harness: SlackHarness, coach: Coach, telegram: FakeTelegram
) -> None:
    client = await add_client(harness.db, coach, "Uma Upload", user="5554321")
    thread_ts = await thread_of(harness, coach, client.id)
    huge = harness.api.add_file(
        b"x", name="video.mov", mimetype="video/quicktime", claimed_size=FORWARD_FILE_MAX_BYTES + 1
    )
    archive = harness.api.add_file(b"PK", name="all.zip", mimetype="application/zip")
    await coach_reply(harness, thread_ts, "", [huge, archive], 2)
    (note,) = await harness.api.wait_for("chat.postEphemeral")
    assert "“video.mov” wasn't sent: files up to 10 MB" in note["text"]
    assert "“all.zip” wasn't sent" in note["text"]
    assert await harness.deliver_outbox() == 0
    assert telegram.sent("5554321") == []

    # Text with a rejected file: the text still goes, the coach hears about the file.
    await coach_reply(harness, thread_ts, "See you Monday", [archive], 3)
    notes = await harness.api.wait_for("chat.postEphemeral", 2)
    assert "all.zip" in notes[-1]["text"]
    while await harness.deliver_outbox():
        pass
    assert [c.params["text"] for c in telegram.sent("5554321")] == ["💬 Casey Coach: See you Monday"]


async def test_a_german_coach_reads_why_a_file_was_not_sent_in_german(
    harness: SlackHarness, coach: Coach, telegram: FakeTelegram
) -> None:
    async with harness.db.unit_of_work() as session:
        await set_coach_locale(session, coach.id, "de")
    client = await add_client(harness.db, coach, "Uma Upload", user="5554322")
    thread_ts = await thread_of(harness, coach, client.id)
    huge = harness.api.add_file(
        b"x", name="video.mov", mimetype="video/quicktime", claimed_size=FORWARD_FILE_MAX_BYTES + 1
    )
    archive = harness.api.add_file(b"PK", name="a<b>.zip", mimetype="application/zip")
    await coach_reply(harness, thread_ts, "", [huge, archive], 4)
    (note,) = await harness.api.wait_for("chat.postEphemeral")
    assert note["text"] == (
        "„video.mov“ wurde nicht gesendet: Dateien bis 10 MB kommen beim Klienten an. "
        "„a&lt;b&gt;.zip“ wurde nicht gesendet: Fotos, PDFs und Textdateien kommen beim Klienten an."
    )
    assert telegram.sent("5554322") == []
