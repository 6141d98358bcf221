"""Voice notes transcribed by an OpenAI-compatible audio endpoint (``POST /v1/audio/transcriptions``).

The same server and key as the language model (``OPENAI_BASE_URL``, ``OPENAI_API_KEY``), with its own
model (``COACH_TRANSCRIBE_MODEL``, e.g. ``whisper-1`` or ``gpt-4o-mini-transcribe``). One try under a
short timeout: a client is waiting for the answer to their voice note, and without a transcript the
note is still kept and relayed as audio.
"""

from __future__ import annotations

import logging
from pathlib import PurePath

import openai

from conversations.ports import AudioTooLarge, TranscriptionUnavailable
from domain import telemetry

log = logging.getLogger(__name__)

# "File uploads are currently limited to 25 MB" (OpenAI API reference, Create transcription).
TRANSCRIPTION_MAX_BYTES = 25 * 1024 * 1024
# How long one transcription may take before the note goes on as audio only.
TRANSCRIPTION_TIMEOUT_SECONDS = 20.0
# Extensions the endpoint accepts ("flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, or webm", same page); it
# reads the type from the file name, so Telegram's Ogg/Opus ".oga" goes as ".ogg".
ACCEPTED_EXTENSIONS = frozenset({".flac", ".mp3", ".mp4", ".mpeg", ".mpga", ".m4a", ".ogg", ".wav", ".webm"})
_BY_MIME = {
    "audio/ogg": ".ogg",
    "audio/opus": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/x-m4a": ".m4a",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/webm": ".webm",
    "audio/flac": ".flac",
}


def upload_name(file_name: str, mime_type: str | None) -> str:
    """A name whose extension the endpoint accepts (it decides the audio format by it)."""
    path = PurePath(file_name or "voice")
    suffix = path.suffix.lower()
    if suffix in ACCEPTED_EXTENSIONS:
        return path.name
    return f"{path.stem or 'voice'}{_BY_MIME.get((mime_type or '').lower(), '.ogg')}"


class OpenAITranscriber:
    def __init__(
        self,
        *,
        model: str,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = TRANSCRIPTION_TIMEOUT_SECONDS,
        max_bytes: int = TRANSCRIPTION_MAX_BYTES,
    ) -> None:
        self.model = model
        self._max_bytes = max_bytes
        # No library retries: a client waits on this, and the note goes on as audio when it fails.
        self._openai = openai.AsyncOpenAI(
            api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=0
        )

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    async def close(self) -> None:
        await self._openai.close()

    async def transcribe(self, audio: bytes, *, file_name: str, mime_type: str | None = None) -> str:
        if len(audio) > self._max_bytes:
            raise AudioTooLarge(len(audio), self._max_bytes)
        name = upload_name(file_name, mime_type)
        try:
            result = await self._openai.audio.transcriptions.create(
                model=self.model,
                file=(name, audio, mime_type or "application/octet-stream"),
                response_format="json",
            )
        except openai.APIStatusError as exc:
            if exc.status_code == 413:
                raise AudioTooLarge(len(audio), self._max_bytes) from exc
            if exc.status_code == 429:
                telemetry.RATE_LIMITED.labels("transcription").inc()
            raise TranscriptionUnavailable(f"transcription server answered {exc.status_code}") from exc
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            raise TranscriptionUnavailable(
                f"transcription server unreachable ({type(exc).__name__})"
            ) from exc
        text = str(getattr(result, "text", "") or "").strip()
        if not text:
            raise TranscriptionUnavailable("the transcription was empty")
        return text
