"""What the channel needs from a Telegram client library; each driver implements it with its own.

Drivers translate their library's errors into :class:`bot.outbound.transport.DeliveryError`
(429 → ``retry_after``, 403 → ``unreachable``, 5xx and network → retryable, other 4xx → permanent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from conversations.messages import OutgoingFile


@dataclass(frozen=True, slots=True)
class KeyboardButton:
    """An inline button: exactly one of ``callback_data`` (≤ 64 bytes) or ``url``."""

    label: str
    callback_data: str | None = None
    url: str | None = None


Keyboard = tuple[tuple[KeyboardButton, ...], ...]


class BotApi(Protocol):
    async def send_text(self, chat_id: str, text: str, keyboard: Keyboard | None = None) -> int:
        """sendMessage; returns the message id."""
        ...

    async def send_file(self, chat_id: str, file: OutgoingFile, keyboard: Keyboard | None = None) -> int:
        """sendPhoto for images, sendDocument otherwise; returns the message id."""
        ...

    async def remove_keyboard(self, chat_id: str, message_id: int) -> None:
        """editMessageReplyMarkup without a markup, so a pressed keyboard cannot be pressed again."""
        ...

    async def answer_callback(self, callback_id: str, text: str | None = None) -> None:
        """answerCallbackQuery: stops the client's spinner."""
        ...

    async def download(self, file_id: str) -> bytes:
        """getFile and the file download (at most 20 MB, Telegram's cap), in memory: it is written
        to storage encrypted, never as it came."""
        ...

    async def set_webhook(self, url: str, secret: str) -> None: ...

    async def delete_webhook(self) -> None: ...
