"""Files in Slack, both ways.

A client's file in their DM with the app is downloaded (``files.info`` → ``url_private`` with the bot
token) into ``COACH_STORAGE_DIR`` (encrypted when keys are set) as a :class:`StoredFile`, so the engine keeps it (with a check-in,
or relayed into the coach's client thread, where the transport re-uploads it). A coach's file in a
client thread is downloaded and forwarded to the client on their channel as an ``OutgoingFile``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import mimetypes
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.telegram.files import ACCEPTED_DOCUMENT_TYPES
from conversations.messages import Attachment, OutgoingFile
from conversations.texts import Channel as T
from conversations.texts import CoachThreads as Forward
from domain.db import Database
from domain.services.files import record_stored_file, write_stored_file

log = logging.getLogger(__name__)

PLATFORM = "slack"
MB = 1024 * 1024
# What a client may send: the same 20 MB as Telegram's getFile download cap, so one rule for
# clients on every channel (core.telegram.org/bots/api#getfile).
CLIENT_FILE_MAX_BYTES = 20 * MB
# What a coach may forward: Telegram's sendPhoto takes photos up to 10 MB (sendDocument 50 MB), and
# the file travels base64-encoded inside the outbox row, so we stay at the smaller of the two.
FORWARD_FILE_MAX_BYTES = 10 * MB
DOWNLOAD_TIMEOUT_S = 60.0
DOWNLOAD_CHUNK_BYTES = 64 * 1024
# The bot token goes only to Slack's own file hosts (and the configured API host, e.g. a proxy).
SLACK_FILE_HOST_SUFFIX = ".slack.com"


class FileRejected(Exception):
    """The file cannot be used; the message is a friendly reply for whoever sent it."""


class FileTooLarge(FileRejected):
    """The file is larger than what may be read."""


@dataclasses.dataclass(frozen=True, slots=True)
class SlackFileInfo:
    file_id: str
    name: str
    mime_type: str
    size_bytes: int
    url: str

    @property
    def kind(self) -> str:
        return "photo" if self.mime_type.startswith("image/") else "document"


def accepted(mime_type: str) -> bool:
    return mime_type.startswith("image/") or mime_type in ACCEPTED_DOCUMENT_TYPES


def _extension(info: SlackFileInfo) -> str:
    suffix = Path(info.name).suffix
    if suffix:
        return suffix.lower()[:10]
    return mimetypes.guess_extension(info.mime_type) or ".bin"


class SlackFiles:
    """Reads files through the Web API client (its token and base URL) and keeps clients' files."""

    def __init__(self, web: AsyncWebClient, db: Database, storage_dir: Path | None) -> None:
        self.web = web
        self.db = db
        self.storage_dir = storage_dir
        self._allowed_hosts = {urlsplit(web.base_url).hostname or ""}

    async def info(self, file_id: str) -> SlackFileInfo:
        try:
            response = await self.web.files_info(file=file_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            raise FileRejected(T.FILE_DOWNLOAD_FAILED.format(platform="Slack")) from exc
        file: dict[str, Any] = response.get("file") or {}
        url = str(file.get("url_private_download") or file.get("url_private") or "")
        if not url:
            raise FileRejected(T.FILE_DOWNLOAD_FAILED.format(platform="Slack"))
        return SlackFileInfo(
            file_id=file_id,
            name=str(file.get("name") or file_id)[:256],
            mime_type=str(file.get("mimetype") or "application/octet-stream"),
            size_bytes=int(file.get("size") or 0),
            url=url,
        )

    def _trusted(self, url: str) -> bool:
        parts = urlsplit(url)
        host = parts.hostname or ""
        return host in self._allowed_hosts or (
            parts.scheme == "https" and host.endswith(SLACK_FILE_HOST_SUFFIX)
        )

    async def download(self, info: SlackFileInfo, max_bytes: int) -> bytes:
        """The file's bytes, read with the bot token; stops reading past ``max_bytes``."""
        if not self._trusted(info.url):
            log.warning("refusing to send the bot token to an unexpected file host")
            raise FileRejected(T.FILE_DOWNLOAD_FAILED.format(platform="Slack"))
        headers = {"Authorization": f"Bearer {self.web.token}"}
        timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_S)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.get(info.url, headers=headers) as response,
            ):
                response.raise_for_status()
                content = bytearray()
                async for chunk in response.content.iter_chunked(DOWNLOAD_CHUNK_BYTES):
                    content.extend(chunk)
                    if len(content) > max_bytes:
                        raise FileTooLarge(T.FILE_TOO_LARGE.format(mb=max_bytes // MB))
                return bytes(content)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise FileRejected(T.FILE_DOWNLOAD_FAILED.format(platform="Slack")) from exc

    # --- client → coach -----------------------------------------------------------------------

    async def keep(self, attachment: Attachment, *, external_user_id: str) -> Attachment:
        """Check, download and record a client's file; returns it with ``stored_file_id`` set."""
        if self.storage_dir is None:
            return attachment
        info = await self.info(attachment.file_id)
        if info.size_bytes > CLIENT_FILE_MAX_BYTES:
            raise FileRejected(T.FILE_TOO_LARGE.format(mb=CLIENT_FILE_MAX_BYTES // MB))
        if not accepted(info.mime_type):
            raise FileRejected(T.FILE_UNSUPPORTED_NO_VOICE)
        content = await self.download(info, CLIENT_FILE_MAX_BYTES)
        path = (
            self.storage_dir / PLATFORM / f"{uuid.uuid4().hex}{_extension(info)}"
        )  # never the sender's name
        await asyncio.to_thread(write_stored_file, path, content)
        async with self.db.unit_of_work() as session:
            row = await record_stored_file(
                session,
                platform=PLATFORM,
                external_user_id=external_user_id,
                file_id=info.file_id,
                kind=info.kind,
                mime_type=info.mime_type,
                size_bytes=len(content),
                file_name=info.name,
                path=str(path),
            )
            stored_id = row.id
        return dataclasses.replace(
            attachment,
            kind=info.kind,
            mime_type=info.mime_type,
            file_name=info.name,
            size_bytes=len(content),
            stored_file_id=stored_id,
        )

    # --- coach → client -----------------------------------------------------------------------

    async def forwardable(self, file_id: str) -> OutgoingFile:
        """A coach's file ready for the client's channel, or FileRejected with a note for the coach
        (in the current locale: the coach's, set by the caller)."""
        try:
            info = await self.info(file_id)
        except FileRejected:
            raise FileRejected(Forward.FORWARD_FAILED_UNNAMED) from None
        name, mb = info.name, FORWARD_FILE_MAX_BYTES // MB
        if info.size_bytes > FORWARD_FILE_MAX_BYTES:
            raise FileRejected(Forward.FORWARD_TOO_LARGE.format(name=name, mb=mb))
        if not accepted(info.mime_type):
            raise FileRejected(Forward.FORWARD_UNSUPPORTED.format(name=name))
        try:
            content = await self.download(info, FORWARD_FILE_MAX_BYTES)
        except FileRejected as exc:
            template = Forward.FORWARD_TOO_LARGE if isinstance(exc, FileTooLarge) else Forward.FORWARD_FAILED
            raise FileRejected(template.format(name=name, mb=mb)) from None
        return OutgoingFile(info.name, content, info.mime_type)
