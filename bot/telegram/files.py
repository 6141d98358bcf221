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
from conversations.texts import Channel as T
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
# What the client is told (conversations.texts.Channel) is worded when it is raised: in the client's
# language when the channel raises it inside ``use_locale`` (see TelegramChannel._handle).
MB = 1024 * 1024


class FileRejected(Exception):
    """The file cannot be kept; the message is a friendly reply for the client."""


def check_attachment(attachment: Attachment) -> None:
    if attachment.size_bytes is not None and attachment.size_bytes > DOWNLOAD_MAX_BYTES:
        raise FileRejected(T.FILE_TOO_LARGE.format(mb=DOWNLOAD_MAX_BYTES // MB))
    if attachment.kind == "document" and (attachment.mime_type or "") not in ACCEPTED_DOCUMENT_TYPES:
        raise FileRejected(T.FILE_UNSUPPORTED)


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
            raise FileRejected(T.FILE_DOWNLOAD_FAILED.format(platform="Telegram")) from exc
        if len(content) > DOWNLOAD_MAX_BYTES:
            raise FileRejected(T.FILE_TOO_LARGE.format(mb=DOWNLOAD_MAX_BYTES // MB))
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
