"""Voice notes end to end: a real Telegram voice update from the local Bot API server, the real engine,
and a local server speaking OpenAI's audio API (multipart ``POST /v1/audio/transcriptions``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from conversations.engine import ConversationEngine
from domain.db import Database
from domain.models import CheckIn, Message, StoredFile
from integrations.transcription.openai_audio import OpenAITranscriber
from tests.support.chat import FREE_PROGRAM, ONBOARDING, play, running_engine
from tests.support.openai_api import FakeOpenAI, Reply, server_error, slow, speech
from tests.support.telegram_api import FakeTelegram
from tests.telegram.harness import Harness, TelegramUser, read, start_harness, texts
from tests.telegram.test_scenarios import invited_coach

CLIENT = 778001
SAID = "Slept badly but the long run went well, knee a bit sore"


@pytest.fixture
async def handler(db: Database) -> AsyncIterator[ConversationEngine]:
    async with running_engine(db) as engine:
        yield engine


@pytest.fixture
async def model_server() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI().start()
    try:
        yield server
    finally:
        await server.stop()


async def voice_harness(
    db: Database,
    fake: FakeTelegram,
    engine: ConversationEngine,
    tmp_path: Path,
    transcriber: OpenAITranscriber | None,
) -> Harness:
    return await start_harness(
        db,
        fake,
        engine,
        driver="aiogram",
        mode="webhook",
        storage_dir=tmp_path / "files",
        transcriber=transcriber,
    )


def transcriber_for(server: FakeOpenAI, **options: float) -> OpenAITranscriber:
    return OpenAITranscriber(model="whisper-1", api_key="sk-test", base_url=server.base_url, **options)  # type: ignore[arg-type]


async def onboarded(harness: Harness, db: Database) -> TelegramUser:
    _coach_id, invite = await invited_coach(db)
    sam = TelegramUser(harness, CLIENT, name="Sam")
    await sam.send(f"/start {invite}")
    await play(sam, [*ONBOARDING[1:], FREE_PROGRAM])
    return sam


async def raw_attachments(db: Database, table: str) -> str:
    async with db.unit_of_work() as session:
        return " ".join(str(r[0]) for r in await session.execute(text(f"SELECT attachments FROM {table}")))


async def test_a_voice_note_at_the_note_step_becomes_the_note(
    db: Database,
    fake_telegram: FakeTelegram,
    handler: ConversationEngine,
    model_server: FakeOpenAI,
    tmp_path: Path,
) -> None:
    harness = await voice_harness(db, fake_telegram, handler, tmp_path, transcriber_for(model_server))
    try:
        sam = await onboarded(harness, db)
        await play(sam, ["/checkin", "[7]", "six", "7h30", "[Yes]", "40"])
        saved = await sam.push(harness.fake.send_voice(CLIENT, speech(SAID)))
    finally:
        await harness.stop()
    assert "Check-in saved" in texts(saved)

    [request] = model_server.audio_requests
    assert request["model"] == "whisper-1" and request["audio"] == speech(SAID)
    assert request["file_name"].endswith(".ogg")  # the endpoint reads the format from the name

    async with db.unit_of_work() as session:
        check_in = await session.scalar(select(CheckIn))
        assert check_in is not None and check_in.note == SAID
        [attachment] = check_in.attachments
        assert attachment["kind"] == "voice" and attachment["transcript"] == SAID
        stored = await session.get(StoredFile, attachment["stored_file_id"])
        assert stored is not None and read(stored.path) == speech(SAID)  # the audio is kept too
    # Encrypted at rest like the note: the words appear nowhere in the raw row.
    assert "knee" not in await raw_attachments(db, "check_ins")


async def test_a_voice_note_outside_a_flow_reaches_the_coach_with_its_transcript(
    db: Database,
    fake_telegram: FakeTelegram,
    handler: ConversationEngine,
    model_server: FakeOpenAI,
    tmp_path: Path,
) -> None:
    harness = await voice_harness(db, fake_telegram, handler, tmp_path, transcriber_for(model_server))
    try:
        sam = await onboarded(harness, db)
        relayed = await sam.push(harness.fake.send_voice(CLIENT, speech(SAID)))
    finally:
        await harness.stop()
    assert "passed that on to your coach" in texts(relayed)
    async with db.unit_of_work() as session:
        message = await session.scalar(select(Message))
        assert message is not None and message.direction == "to_coach"
        [attachment] = message.attachments
        assert attachment["transcript"] == SAID and attachment["stored_file_id"]
    assert "knee" not in await raw_attachments(db, "messages")


@pytest.mark.parametrize(
    "trouble",
    [server_error(500), Reply(status=429, headers={"retry-after": "1"}), slow(2.0)],
    ids=["server-error", "rate-limited", "too-slow"],
)
async def test_a_failing_transcription_leaves_the_voice_note_as_audio(
    db: Database,
    fake_telegram: FakeTelegram,
    handler: ConversationEngine,
    model_server: FakeOpenAI,
    tmp_path: Path,
    trouble: Reply,
) -> None:
    harness = await voice_harness(
        db, fake_telegram, handler, tmp_path, transcriber_for(model_server, timeout=0.5)
    )
    try:
        sam = await onboarded(harness, db)
        model_server.audio_script.append(trouble)
        relayed = await sam.push(harness.fake.send_voice(CLIENT, speech(SAID)))
    finally:
        await harness.stop()
    assert "passed that on to your coach" in texts(relayed)
    async with db.unit_of_work() as session:
        message = await session.scalar(select(Message))
        assert message is not None
        [attachment] = message.attachments
        assert "transcript" not in attachment and attachment["stored_file_id"]


async def test_without_a_model_voice_notes_are_kept_as_audio(
    db: Database,
    fake_telegram: FakeTelegram,
    handler: ConversationEngine,
    model_server: FakeOpenAI,
    tmp_path: Path,
) -> None:
    harness = await voice_harness(db, fake_telegram, handler, tmp_path, None)
    try:
        sam = await onboarded(harness, db)
        await play(sam, ["/checkin", "[7]", "six", "7h30", "[Yes]", "40"])
        saved = await sam.push(harness.fake.send_voice(CLIENT, speech(SAID)))
    finally:
        await harness.stop()
    assert "Check-in saved" in texts(saved)
    assert model_server.audio_requests == []
    async with db.unit_of_work() as session:
        check_in = await session.scalar(select(CheckIn))
        assert check_in is not None and check_in.note is None
        [attachment] = check_in.attachments
        assert attachment["kind"] == "voice" and "transcript" not in attachment


async def test_oversize_audio_is_refused_with_a_friendly_message(
    db: Database,
    fake_telegram: FakeTelegram,
    handler: ConversationEngine,
    model_server: FakeOpenAI,
    tmp_path: Path,
) -> None:
    # The real limit is 25 MB (over Telegram's own 20 MB download limit); a small one shows the path.
    limit = 1024 * 1024
    harness = await voice_harness(
        db, fake_telegram, handler, tmp_path, transcriber_for(model_server, max_bytes=limit)
    )
    try:
        sam = await onboarded(harness, db)
        refused = await sam.push(harness.fake.send_voice(CLIENT, speech("a" * limit)))
        again = await sam.send("Typed instead")
    finally:
        await harness.stop()
    assert "too long for me to transcribe (up to 1 MB)" in texts(refused)
    assert model_server.audio_requests == []  # refused before it was downloaded or sent anywhere
    assert "passed that on to your coach" in texts(again)
    async with db.unit_of_work() as session:
        assert await session.scalar(select(StoredFile)) is None
        [message] = (await session.scalars(select(Message))).all()
        assert message.text == "Typed instead"
