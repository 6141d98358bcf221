"""The aiogram 3 driver (default): a :class:`BotApi` over ``aiogram.Bot``, and a ``Router`` carrying
our flows that any aiogram ``Dispatcher`` can include."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)

from bot.outbound.transport import DeliveryError
from bot.telegram.api import Keyboard
from bot.telegram.channel import TelegramChannel
from bot.telegram.limits import CAPTION_MAX
from conversations.messages import OutgoingFile

log = logging.getLogger(__name__)
# my_chat_member: the bot added to or removed from a (cohort) group.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def _markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=b.callback_data, url=b.url) for b in row]
            for row in keyboard
        ]
    )


def _delivery_error(exc: Exception) -> DeliveryError:
    if isinstance(exc, TelegramRetryAfter):
        return DeliveryError("telegram 429", retry_after=float(exc.retry_after))
    if isinstance(exc, TelegramForbiddenError):
        return DeliveryError("telegram 403: bot blocked or chat gone", unreachable=True)
    if isinstance(exc, TelegramEntityTooLarge):
        return DeliveryError("telegram 413: file too large", permanent=True)
    if isinstance(exc, TelegramServerError | TelegramNetworkError | TimeoutError | OSError):
        return DeliveryError(f"telegram unavailable: {type(exc).__name__}")
    return DeliveryError(f"telegram rejected the call: {type(exc).__name__}", permanent=True)


class AiogramBotApi:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except (TimeoutError, TelegramAPIError, OSError) as exc:
            raise _delivery_error(exc) from exc

    async def send_text(self, chat_id: str, text: str, keyboard: Keyboard | None = None) -> int:
        sent = await self._call(self.bot.send_message(chat_id, text, reply_markup=_markup(keyboard)))
        return int(sent.message_id)

    async def send_file(self, chat_id: str, file: OutgoingFile, keyboard: Keyboard | None = None) -> int:
        upload = BufferedInputFile(file.content, filename=file.file_name)
        markup = _markup(keyboard)
        if file.mime_type.startswith("image/"):
            sent = await self._call(self.bot.send_photo(chat_id, upload, reply_markup=markup))
        else:
            sent = await self._call(self.bot.send_document(chat_id, upload, reply_markup=markup))
        return int(sent.message_id)

    async def remove_keyboard(self, chat_id: str, message_id: int) -> None:
        await self._call(self.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id))

    async def answer_callback(self, callback_id: str, text: str | None = None) -> None:
        await self._call(
            self.bot.answer_callback_query(callback_id, text=text[:CAPTION_MAX] if text else None)
        )

    async def download(self, file_id: str) -> bytes:
        content = await self._call(self.bot.download(file_id))
        return content.read() if content is not None else b""

    async def set_webhook(self, url: str, secret: str) -> None:
        await self._call(self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES))

    async def delete_webhook(self) -> None:
        await self._call(self.bot.delete_webhook())


def coach_router(channel: TelegramChannel, *, name: str = "stripe-coach") -> Router:
    """Our flows as an aiogram ``Router``: ``dispatcher.include_router(coach_router(channel))``.

    Include it after your own routers: it answers every message and button press it is offered.
    """
    router = Router(name=name)

    @router.message()
    async def _on_message(message: Message, event_update: Update) -> None:
        await channel.on_message(event_update.update_id, message)

    @router.callback_query()
    async def _on_press(query: CallbackQuery, event_update: Update) -> None:
        await channel.on_callback(event_update.update_id, query)

    @router.my_chat_member()
    async def _on_membership(event: ChatMemberUpdated, event_update: Update) -> None:
        await channel.on_membership(event_update.update_id, event)

    return router


def build_bot(token: str, api_root: str) -> Bot:
    """``COACH_TELEGRAM_API_URL`` is the Bot API root: methods at ``{root}/bot{token}/{method}``."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_root))
    return Bot(token, session=session)


class AiogramDriver:
    name = "aiogram"

    def __init__(self, token: str, api_root: str) -> None:
        self.bot = build_bot(token, api_root)
        self.api = AiogramBotApi(self.bot)
        self.dispatcher = Dispatcher()

    def attach(self, channel: TelegramChannel) -> None:
        self.dispatcher.include_router(coach_router(channel))

    async def start(self) -> None:
        """Nothing to start: ``coach run`` fetches updates itself and dispatches them from the inbox."""

    async def fetch_updates(self, offset: int | None, poll_seconds: int) -> list[dict[str, Any]]:
        """One long poll; calling again with a higher ``offset`` is what confirms these updates."""
        request: dict[str, Any] = {}
        if self.bot.session.timeout:
            # Wait longer than the long poll itself, as aiogram's own polling does.
            request["request_timeout"] = int(self.bot.session.timeout + poll_seconds)
        updates = await self.bot.get_updates(
            offset=offset, timeout=poll_seconds, allowed_updates=ALLOWED_UPDATES, **request
        )
        return [u.model_dump(mode="json", by_alias=True, exclude_none=True) for u in updates]

    async def process(self, update: dict[str, Any]) -> None:
        """Run one stored update through the Dispatcher (and every router included in it)."""
        await self.dispatcher.feed_raw_update(self.bot, update)

    async def stop(self) -> None:
        await self.bot.session.close()
