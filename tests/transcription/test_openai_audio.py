"""The OpenAI audio adapter against the local server speaking ``POST /v1/audio/transcriptions``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from conversations.ports import AudioTooLarge, TranscriptionUnavailable
from integrations.transcription.openai_audio import (
    TRANSCRIPTION_MAX_BYTES,
    OpenAITranscriber,
    upload_name,
)
from tests.support.openai_api import FakeOpenAI, server_error, slow, speech


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    fake = await FakeOpenAI().start()
    try:
        yield fake
    finally:
        await fake.stop()


def transcriber(server: FakeOpenAI, **options: float) -> OpenAITranscriber:
    return OpenAITranscriber(model="whisper-1", api_key="sk-test", base_url=server.base_url, **options)  # type: ignore[arg-type]


async def test_a_voice_note_is_sent_as_multipart_and_its_text_returned(server: FakeOpenAI) -> None:
    heard = await transcriber(server).transcribe(
        speech("  Feeling strong today  "), file_name="abc.oga", mime_type="audio/ogg"
    )
    assert heard == "Feeling strong today"
    [request] = server.audio_requests
    assert request["model"] == "whisper-1" and request["response_format"] == "json"
    assert request["file_name"] == "abc.ogg" and request["audio"] == speech("  Feeling strong today  ")


def test_upload_names_carry_an_extension_the_endpoint_accepts() -> None:
    assert upload_name("x.oga", "audio/ogg") == "x.ogg"
    assert upload_name("x.mp3", None) == "x.mp3"
    assert upload_name("x.bin", "audio/mp4") == "x.m4a"
    assert upload_name("", None) == "voice.ogg"


async def test_audio_over_the_25_mb_limit_is_refused_before_it_is_sent(server: FakeOpenAI) -> None:
    assert TRANSCRIPTION_MAX_BYTES == 25 * 1024 * 1024
    audio = b"OggS" + b"\0" * TRANSCRIPTION_MAX_BYTES
    with pytest.raises(AudioTooLarge) as refused:
        await transcriber(server).transcribe(audio, file_name="v.ogg")
    assert refused.value.limit_bytes == TRANSCRIPTION_MAX_BYTES
    assert server.audio_requests == []


async def test_the_servers_own_size_refusal_is_audio_too_large(server: FakeOpenAI) -> None:
    # Allowed here, refused by the server (HTTP 413 as OpenAI answers).
    audio = b"OggS" + b"\0" * TRANSCRIPTION_MAX_BYTES
    with pytest.raises(AudioTooLarge):
        await transcriber(server, max_bytes=2 * TRANSCRIPTION_MAX_BYTES).transcribe(audio, file_name="v.ogg")
    assert len(server.audio_requests) == 1


async def test_failures_are_unavailable_so_the_note_goes_on_as_audio(server: FakeOpenAI) -> None:
    server.audio_script.extend([server_error(503), slow(1.0)])
    with pytest.raises(TranscriptionUnavailable, match="503"):
        await transcriber(server).transcribe(speech("x"), file_name="v.ogg")
    with pytest.raises(TranscriptionUnavailable, match="unreachable"):
        await transcriber(server, timeout=0.2).transcribe(speech("x"), file_name="v.ogg")
    with pytest.raises(TranscriptionUnavailable, match="empty"):
        await transcriber(server).transcribe(speech("   "), file_name="v.ogg")
