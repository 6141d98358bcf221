"""Clients' voice notes heard before the conversation step: each kept voice attachment is read back
from storage and sent to the transcriber, and the message goes on to the engine with the transcript
on the attachment (stored with the message, encrypted like it).

This runs in the channel adapter, before the engine's step and outside its transaction, bounded by
:data:`VOICE_TIMEOUT_SECONDS`: a slow or failing server only means the note goes on as audio, as it
does when no model is configured. Audio over the transcriber's limit is refused with a friendly
message (:class:`VoiceRejected`) before it is downloaded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path

from bot.components import AppContext
from conversations.i18n import supported_locale, use_locale
from conversations.messages import Attachment, IncomingMessage
from conversations.ports import AudioTooLarge, Transcriber, TranscriptionUnavailable
from conversations.texts import Voice
from domain.crypto import UnreadableValue
from domain.db import Database
from domain.services.files import find_stored_files, read_stored_file

log = logging.getLogger(__name__)

# The longest a client's reply waits on one voice note's transcription (the adapter's own timeout
# sits above it); after that the note goes on as audio only.
VOICE_TIMEOUT_SECONDS = 25.0
MB = 1024 * 1024


class VoiceRejected(Exception):
    """The voice note cannot be transcribed and is refused; the message is a reply for the client."""


def too_long(message: IncomingMessage, limit_bytes: int) -> VoiceRejected:
    with use_locale(supported_locale(message.language_hint) or "en"):
        return VoiceRejected(Voice.TOO_LONG.format(mb=limit_bytes // MB))


class VoiceNotes:
    """``transcriber`` None: voice notes are kept and relayed as audio, untouched."""

    def __init__(
        self, db: Database, transcriber: Transcriber | None, *, timeout: float = VOICE_TIMEOUT_SECONDS
    ) -> None:
        self.db = db
        self.transcriber = transcriber
        self.timeout = timeout

    def check(self, message: IncomingMessage) -> None:
        """Refuse a voice note the transcriber says is too large, before downloading it."""
        if self.transcriber is None:
            return
        limit = self.transcriber.max_bytes
        for attachment in message.attachments:
            if attachment.kind == "voice" and (attachment.size_bytes or 0) > limit:
                raise too_long(message, limit)

    async def hear(self, message: IncomingMessage) -> IncomingMessage:
        """The message with a transcript on each kept voice attachment the transcriber heard."""
        if self.transcriber is None or not any(
            a.kind == "voice" and a.stored_file_id for a in message.attachments
        ):
            return message
        heard = [await self._hear(message, a) for a in message.attachments]
        return dataclasses.replace(message, attachments=tuple(heard))

    async def _hear(self, message: IncomingMessage, attachment: Attachment) -> Attachment:
        assert self.transcriber is not None
        if attachment.kind != "voice" or attachment.stored_file_id is None or attachment.transcript:
            return attachment
        async with self.db.sessions() as session:
            rows = await find_stored_files(session, [attachment.stored_file_id])
        if not rows or not rows[0].path:
            return attachment
        path = rows[0].path
        try:
            audio = await asyncio.to_thread(read_stored_file, path)
        except (FileNotFoundError, UnreadableValue) as exc:
            log.warning("voice note %d not transcribed: %s", attachment.stored_file_id, type(exc).__name__)
            return attachment
        try:
            async with asyncio.timeout(self.timeout):
                text = await self.transcriber.transcribe(
                    audio, file_name=Path(path).name, mime_type=attachment.mime_type
                )
        except AudioTooLarge as exc:
            raise too_long(message, exc.limit_bytes) from None
        except (TranscriptionUnavailable, TimeoutError) as exc:
            log.warning("voice note %d kept as audio only: %s", attachment.stored_file_id, exc or "timeout")
            return attachment
        return dataclasses.replace(attachment, transcript=text)


def transcriber(ctx: AppContext) -> Transcriber | None:
    """The transcriber ``COACH_TRANSCRIBE_MODEL`` asks for (same server and key as the language model),
    shared by the channels of this process; None without the setting."""
    settings = ctx.settings
    if not settings.transcribe_model:
        return None
    found = ctx.extras.get("transcriber")
    if found is None:
        from integrations.transcription.openai_audio import OpenAITranscriber

        found = ctx.extras["transcriber"] = OpenAITranscriber(
            model=settings.transcribe_model,
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
        )
    return found
