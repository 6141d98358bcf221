"""Files clients send: checked against our limits, downloaded into ``COACH_STORAGE_DIR`` (encrypted
when keys are set, see domain.services.files), recorded as :class:`StoredFile` with the Telegram
``file_id`` and metadata."""

from __future__ import annotations

import asyncio
import dataclasses
import mimetypes
import uuid
from pathlib import Path

from bot.telegram.api import BotApi
from bot.telegram.limits import DOWNLOAD_MAX_BYTES, PLATFORM
from conversations.messages import Attachment
from domain.db import Database
from domain.services.files import record_stored_file, write_stored_file

# Documents we keep: pictures, PDFs and plain text (food logs, lab results, plans).
ACCEPTED_DOCUMENT_TYPES = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/heic",
        "text/plain",
        "text/csv",
    }
)
TOO_LARGE = "That file is too large for me: I can take files up to {mb} MB. Could you send a smaller one?"
UNSUPPORTED_TYPE = "I can't read that kind of file. Photos, PDFs, text files and voice notes work."
UNSUPPORTED_MESSAGE = "I can read text, button presses, photos, PDFs and voice notes, but not that."
DOWNLOAD_FAILED = "I couldn't fetch your file from Telegram just now. Please send it again in a moment."


class FileRejected(Exception):
    """The file cannot be kept; the message is a friendly reply for the client."""


def check_attachment(attachment: Attachment) -> None:
    if attachment.size_bytes is not None and attachment.size_bytes > DOWNLOAD_MAX_BYTES:
        raise FileRejected(TOO_LARGE.format(mb=DOWNLOAD_MAX_BYTES // (1024 * 1024)))
    if attachment.kind == "document" and (attachment.mime_type or "") not in ACCEPTED_DOCUMENT_TYPES:
        raise FileRejected(UNSUPPORTED_TYPE)


def _extension(attachment: Attachment) -> str:
    if attachment.file_name and Path(attachment.file_name).suffix:
        return Path(attachment.file_name).suffix.lower()[:10]
    if attachment.kind == "voice":
        return ".oga"
    return mimetypes.guess_extension(attachment.mime_type or "") or ".bin"


class FileStore:
    def __init__(self, db: Database, api: BotApi, storage_dir: Path) -> None:
        self.db = db
        self.api = api
        self.storage_dir = storage_dir

    async def keep(self, attachment: Attachment, *, external_user_id: str) -> Attachment:
        """Download and record one checked attachment; returns it with ``stored_file_id`` set."""
        # Our own name: never a path from the sender.
        path = self.storage_dir / PLATFORM / f"{uuid.uuid4().hex}{_extension(attachment)}"
        try:
            content = await self.api.download(attachment.file_id)
        except Exception as exc:
            raise FileRejected(DOWNLOAD_FAILED) from exc
        if len(content) > DOWNLOAD_MAX_BYTES:
            raise FileRejected(TOO_LARGE.format(mb=DOWNLOAD_MAX_BYTES // (1024 * 1024)))
        await asyncio.to_thread(write_stored_file, path, content)
        size = len(content)
        async with self.db.unit_of_work() as session:
            row = await record_stored_file(
                session,
                platform=PLATFORM,
                external_user_id=external_user_id,
                file_id=attachment.file_id,
                kind=attachment.kind,
                mime_type=attachment.mime_type,
                size_bytes=size,
                file_name=attachment.file_name,
                path=str(path),
            )
            stored_id = row.id
        return dataclasses.replace(attachment, stored_file_id=stored_id, size_bytes=size)
