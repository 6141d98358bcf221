"""Renders neutral :class:`OutgoingMessage` as Bot API calls; the outbound sender's Telegram transport."""

from __future__ import annotations

from bot.outbound.transport import RateLimits, Transport
from bot.telegram.api import BotApi, Keyboard, KeyboardButton
from bot.telegram.callback_data import CallbackCodec
from bot.telegram.limits import MESSAGE_TEXT_MAX, PLATFORM, TELEGRAM_LIMITS
from conversations.messages import OutgoingMessage


def split_text(text: str, limit: int = MESSAGE_TEXT_MAX) -> list[str]:
    """Chunks within Telegram's text limit, cut at a line break or space where possible."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut])
        rest = rest[cut:].lstrip("\n ")
    chunks.append(rest)
    return chunks


def keyboard_for(message: OutgoingMessage, codec: CallbackCodec) -> Keyboard | None:
    rows: list[tuple[KeyboardButton, ...]] = [
        tuple(KeyboardButton(b.label, callback_data=codec.encode(b.payload)) for b in row)
        for row in message.buttons
        if row
    ]
    rows.extend((KeyboardButton(b.label, url=b.url),) for b in message.url_buttons)
    return tuple(rows) or None


class TelegramTransport(Transport):
    platform = PLATFORM

    def __init__(self, api: BotApi, codec: CallbackCodec, *, limits: RateLimits = TELEGRAM_LIMITS) -> None:
        self.api = api
        self.codec = codec
        self.limits = limits

    async def deliver(self, chat_id: str, message: OutgoingMessage) -> str | None:
        keyboard = keyboard_for(message, self.codec)
        last_id: int | None = None
        if message.text or not message.files:
            chunks = split_text(message.text or " ")
            for index, chunk in enumerate(chunks):
                # Buttons belong under the last part, where the question is.
                last_here = index == len(chunks) - 1 and not message.files
                last_id = await self.api.send_text(chat_id, chunk, keyboard if last_here else None)
        for index, file in enumerate(message.files):
            last_file = index == len(message.files) - 1
            last_id = await self.api.send_file(chat_id, file, keyboard if last_file else None)
        return None if last_id is None else str(last_id)

    def is_group_chat(self, chat_id: str) -> bool:
        # Telegram group and supergroup chat ids are negative; private chats are positive.
        return chat_id.startswith("-")
