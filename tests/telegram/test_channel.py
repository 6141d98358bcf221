"""The channel over both drivers, polling and webhook, with a small stand-in handler: mapping of
every update kind, button presses, files, duplicates and the webhook secret."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from conversations.messages import IncomingMessage, OutgoingMessage
from domain.db import Database
from domain.models import InboxUpdate, StoredFile
from domain.services.clients import register_client, set_client_locale
from tests.support.telegram_api import FakeTelegram
from tests.telegram.harness import (
    WEBHOOK_SECRET,
    Harness,
    RecordingHandler,
    TelegramUser,
    read,
    start_harness,
    texts,
)


@pytest.fixture
def handler() -> RecordingHandler:
    return RecordingHandler()


async def test_text_command_and_button_press(harness: Harness, handler: RecordingHandler, mode: str) -> None:
    alex = TelegramUser(harness, 501)
    replies = await alex.send("/start INVITE42")
    assert texts(replies) == "got /start INVITE42"
    first = handler.seen[0]
    assert first.platform == "telegram"
    assert first.external_user_id == "501" and first.chat_id == "501"
    assert first.idempotency_key.startswith("telegram:update:")
    assert first.display_name == "Alex"

    markup = replies[0].params["reply_markup"]["inline_keyboard"]
    assert markup[0] == [
        {"text": "Yes", "callback_data": "answer:yes"},
        {"text": "No", "callback_data": "answer:no"},
    ]
    assert markup[1] == [{"text": "Pay", "url": "https://pay.example.com/x"}]

    _, message_id = alex.button("Yes")
    replies = await alex.press("Yes")
    assert texts(replies) == "got answer:yes"
    assert handler.seen[-1].button_payload == "answer:yes"
    # The press is answered and its keyboard removed, so it cannot be pressed twice.
    assert len(harness.fake.calls_to("answerCallbackQuery")) == 1
    edits = harness.fake.calls_to("editMessageReplyMarkup")
    assert [int(e.params["message_id"]) for e in edits] == [message_id]
    assert not edits[0].params.get("reply_markup")
    if mode == "webhook":
        assert harness.fake.webhook_url == harness.webhook_url
        assert harness.fake.webhook_secret == WEBHOOK_SECRET
        assert not harness.fake.calls_to("getUpdates")


async def test_photo_and_voice_are_downloaded_and_stored(
    harness: Harness, handler: RecordingHandler, db: Database, tmp_path: Path
) -> None:
    alex = TelegramUser(harness, 502)
    replies = await alex.push(harness.fake.send_photo(502, b"\xff\xd8jpeg-bytes", caption="lunch"))
    assert texts(replies) == "got lunch"
    replies = await alex.push(harness.fake.send_voice(502, b"OggS-voice"))
    assert texts(replies) == "got voice"
    photo = handler.seen[0].attachments[0]
    voice = handler.seen[1].attachments[0]
    assert photo.kind == "photo" and photo.stored_file_id is not None
    assert voice.kind == "voice" and voice.stored_file_id is not None
    async with db.unit_of_work() as session:
        rows = (await session.scalars(select(StoredFile).order_by(StoredFile.id))).all()
    assert [(r.kind, r.file_id, r.size_bytes) for r in rows] == [
        ("photo", photo.file_id, len(b"\xff\xd8jpeg-bytes")),
        ("voice", voice.file_id, 10),
    ]
    assert read(rows[0].path) == b"\xff\xd8jpeg-bytes"
    on_disk = await asyncio.to_thread(Path(rows[0].path or "").read_bytes)
    assert b"jpeg-bytes" not in on_disk  # encrypted at rest
    assert Path(rows[0].path or "").is_relative_to(tmp_path / "files")


async def test_too_large_and_unsupported_files_get_a_clear_reply(
    harness: Harness, handler: RecordingHandler, db: Database
) -> None:
    alex = TelegramUser(harness, 503)
    big = await alex.push(
        harness.fake.send_document(
            503, b"x", file_name="scan.pdf", mime_type="application/pdf", size=30 * 1024 * 1024
        )
    )
    assert "too large" in texts(big) and "20 MB" in texts(big)
    odd = await alex.push(
        harness.fake.send_document(503, b"MZ", file_name="tool.exe", mime_type="application/x-msdownload")
    )
    assert "can't read that kind of file" in texts(odd)
    sticker = await alex.push(harness.fake.send_sticker(503))
    assert "not that" in texts(sticker)
    pdf = await alex.push(
        harness.fake.send_document(503, b"%PDF-1.4", file_name="plan.pdf", mime_type="application/pdf")
    )
    assert texts(pdf) == "got document"
    assert len(handler.seen) == 1
    assert not harness.fake.calls_to("download")[:-1]
    async with db.unit_of_work() as session:
        names = (await session.scalars(select(StoredFile.file_name))).all()
    assert names == ["plan.pdf"]


async def test_the_channels_own_answers_are_in_the_clients_language(
    harness: Harness, handler: RecordingHandler, db: Database
) -> None:
    async with db.unit_of_work() as session:
        client = await register_client(
            session, platform="telegram", external_user_id="505", chat_id="505", display_name="Jana"
        )
        await set_client_locale(session, client.id, "de")
    jana = TelegramUser(harness, 505)
    big = await jana.push(
        harness.fake.send_document(
            505, b"x", file_name="scan.pdf", mime_type="application/pdf", size=30 * 1024 * 1024
        )
    )
    assert texts(big).startswith("Diese Datei ist mir zu groß") and "20 MB" in texts(big)
    odd = await jana.push(
        harness.fake.send_document(505, b"MZ", file_name="tool.exe", mime_type="application/x-msdownload")
    )
    assert texts(odd).startswith("Diese Art Datei kann ich nicht lesen")
    sticker = await jana.push(harness.fake.send_sticker(505))
    assert texts(sticker).endswith("aber das nicht.")
    assert handler.seen == []


async def test_resent_update_is_processed_once(
    harness: Harness, handler: RecordingHandler, mode: str
) -> None:
    alex = TelegramUser(harness, 504)
    update_id = await harness.fake.send_text(504, "hello")
    await harness.processed(update_id)
    # Telegram re-sends it (a webhook it thought timed out; an offset a crash never confirmed).
    await harness.fake.resend(update_id)
    await alex.send("after")
    assert [m.text for m in handler.seen] == ["hello", "after"]
    assert texts(harness.fake.sent(504)) == "got hello\ngot after"


@pytest.mark.parametrize("mode", ["webhook"])
async def test_webhook_rejects_a_wrong_secret(harness: Harness, handler: RecordingHandler) -> None:
    assert harness.webhook_url is not None
    update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 9, "type": "private"}, "text": "x"},
    }
    async with aiohttp.ClientSession() as http:
        for headers in ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {}):
            async with http.post(harness.webhook_url, json=update, headers=headers) as response:
                assert response.status == 401
        async with http.post(
            harness.webhook_url, data=b"not json", headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        ) as response:
            assert response.status == 400
    assert handler.seen == []


@pytest.mark.parametrize("mode", ["webhook"])
async def test_hostile_bodies_with_the_right_secret_are_4xx_and_store_nothing(
    harness: Harness, handler: RecordingHandler, db: Database
) -> None:
    """The probes from issue 13: a number past float range, nesting 100,000 deep, bad UTF-8, a body
    over the size cap. Each is a short 4xx, never a 500, and nothing reaches a flow or the inbox."""
    assert harness.webhook_url is not None
    bodies = [
        b'{"update_id": 1e999}',
        b'{"update_id": 100000000000000000000}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"update_id": 1, "message": {"text": "' + bytes([0xFF, 0xFE]) + b'"}}',
        b'{"update_id": 2, "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}',
    ]
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http:
        for body in bodies:
            async with http.post(harness.webhook_url, data=body, headers=headers) as response:
                assert 400 <= response.status < 500, (body[:40], response.status)
    assert handler.seen == []
    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 0


class BlockedHandler(RecordingHandler):
    """Holds every message until released: a slow engine (or model call)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.entered = asyncio.Event()

    async def handle(self, message: IncomingMessage) -> list[OutgoingMessage]:
        self.entered.set()
        await self.release.wait()
        return await super().handle(message)


@pytest.mark.parametrize("mode", ["webhook"])
async def test_webhook_answers_before_processing(
    db: Database, fake_telegram: FakeTelegram, driver: str, mode: str, tmp_path: Path
) -> None:
    handler = BlockedHandler()
    h = await start_harness(db, fake_telegram, handler, driver=driver, mode=mode, storage_dir=tmp_path)
    try:
        update_id = await fake_telegram.send_text(601, "slow one")
        await asyncio.wait_for(handler.entered.wait(), timeout=20)
        # Telegram already has its 200 while the update is still being processed.
        await fake_telegram.wait_for(lambda: bool(fake_telegram.webhook_deliveries))
        assert [(d.update_id, d.status) for d in fake_telegram.webhook_deliveries] == [(update_id, 200)]
        assert not fake_telegram.sent(601)
        handler.release.set()
        await h.processed(update_id)
        assert texts(fake_telegram.sent(601)) == "got slow one"
    finally:
        handler.release.set()
        await h.stop()


@pytest.mark.parametrize("mode", ["polling"])
async def test_polling_confirms_offsets(harness: Harness, handler: RecordingHandler) -> None:
    alex = TelegramUser(harness, 602)
    await alex.send("one")
    await alex.send("two")
    # The next getUpdates confirms the offset: the fixture forgets what was handled.
    await harness.fake.wait_for(lambda: not harness.fake._pending)
    offsets = [int(c.params.get("offset") or 0) for c in harness.fake.calls_to("getUpdates")]
    assert offsets == sorted(offsets) and offsets[-1] > max(u["update_id"] for u in harness.fake.updates)
    assert all(float(c.params.get("timeout") or 0) > 0 for c in harness.fake.calls_to("getUpdates")[1:])
