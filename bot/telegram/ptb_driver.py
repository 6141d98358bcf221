"""The python-telegram-bot 22 driver (``COACH_TELEGRAM_DRIVER=ptb``): a :class:`BotApi` over
``telegram.Bot``, and our flows as a handler group any PTB ``Application`` can carry."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.outbound.transport import DeliveryError
from bot.telegram.api import Keyboard
from bot.telegram.channel import TelegramChannel
from bot.telegram.limits import POLL_TIMEOUT_S
from conversations.messages import OutgoingFile

log = logging.getLogger(__name__)
# my_chat_member: the bot added to or removed from a (cohort) group.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
# Our handlers' group when mounted into a coach's own application; pick another to order them.
DEFAULT_HANDLER_GROUP = 50
# Updates handled side by side; one chat's stay in order in TelegramChannel.
CONCURRENT_UPDATES = 256
# A long poll's HTTP read waits this much longer than the poll itself.
GET_UPDATES_READ_MARGIN_S = 10


def _markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.callback_data, url=b.url) for b in row]
            for row in keyboard
        ]
    )


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _delivery_error(exc: Exception) -> DeliveryError:
    if isinstance(exc, RetryAfter):
        return DeliveryError("telegram 429", retry_after=_seconds(exc.retry_after))
    if isinstance(exc, Forbidden):
        return DeliveryError("telegram 403: bot blocked or chat gone", unreachable=True)
    if isinstance(exc, BadRequest):  # a subclass of NetworkError, but the request itself is wrong
        return DeliveryError(f"telegram rejected the call: {type(exc).__name__}", permanent=True)
    if isinstance(exc, NetworkError | TimeoutError | OSError):
        return DeliveryError(f"telegram unavailable: {type(exc).__name__}")
    return DeliveryError(f"telegram rejected the call: {type(exc).__name__}", permanent=True)


class PtbBotApi:
    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.application = application

    @property
    def bot(self) -> Any:
        return self.application.bot

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except (TimeoutError, TelegramError, OSError) as exc:
            raise _delivery_error(exc) from exc

    async def send_text(self, chat_id: str, text: str, keyboard: Keyboard | None = None) -> int:
        sent = await self._call(self.bot.send_message(chat_id, text, reply_markup=_markup(keyboard)))
        return int(sent.message_id)

    async def send_file(self, chat_id: str, file: OutgoingFile, keyboard: Keyboard | None = None) -> int:
        markup = _markup(keyboard)
        if file.mime_type.startswith("image/"):
            call = self.bot.send_photo(chat_id, file.content, filename=file.file_name, reply_markup=markup)
        else:
            call = self.bot.send_document(chat_id, file.content, filename=file.file_name, reply_markup=markup)
        sent = await self._call(call)
        return int(sent.message_id)

    async def remove_keyboard(self, chat_id: str, message_id: int) -> None:
        await self._call(self.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id))

    async def answer_callback(self, callback_id: str, text: str | None = None) -> None:
        await self._call(self.bot.answer_callback_query(callback_id, text=text))

    async def download(self, file_id: str) -> bytes:
        remote = await self._call(self.bot.get_file(file_id))
        return bytes(await self._call(remote.download_as_bytearray()))

    async def set_webhook(self, url: str, secret: str) -> None:
        await self._call(self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES))

    async def delete_webhook(self) -> None:
        await self._call(self.bot.delete_webhook())


def add_coach_handlers(
    application: Application[Any, Any, Any, Any, Any, Any],
    channel: TelegramChannel,
    *,
    group: int = DEFAULT_HANDLER_GROUP,
) -> None:
    """Mount our flows into a PTB application as one handler group.

    PTB runs one handler per group for each update, so your own handlers in other groups keep
    working; updates they should not see reach ours only if no earlier group stops them
    (``ApplicationHandlerStop``).
    """

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is not None:
            await channel.on_message(update.update_id, update.message)

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await channel.on_callback(update.update_id, update.callback_query)

    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, on_message), group=group)

    async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.my_chat_member is not None:
            await channel.on_membership(update.update_id, update.my_chat_member)

    application.add_handler(CallbackQueryHandler(on_press), group=group)
    application.add_handler(ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER), group=group)


def build_application(token: str, api_root: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """``COACH_TELEGRAM_API_URL`` is the Bot API root: methods at ``{root}/bot{token}/{method}``."""
    root = api_root.rstrip("/")
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .concurrent_updates(CONCURRENT_UPDATES)
        .get_updates_read_timeout(POLL_TIMEOUT_S + GET_UPDATES_READ_MARGIN_S)
        .build()
    )


class PtbDriver:
    name = "ptb"

    def __init__(self, token: str, api_root: str) -> None:
        self.application = build_application(token, api_root)
        self.api = PtbBotApi(self.application)
        self._started = False

    def attach(self, channel: TelegramChannel) -> None:
        add_coach_handlers(self.application, channel, group=0)

    async def _start_application(self) -> None:
        if not self._started:
            await self.application.initialize()
            await self.application.start()
            self._started = True

    async def start(self) -> None:
        """Initialise the application; ``coach run`` fetches updates itself and dispatches them from
        the inbox, so PTB's own updater is not started."""
        await self._start_application()

    async def fetch_updates(self, offset: int | None, poll_seconds: int) -> list[dict[str, Any]]:
        """One long poll; calling again with a higher ``offset`` is what confirms these updates."""
        updates = await self.application.bot.get_updates(
            offset=offset,
            timeout=timedelta(seconds=poll_seconds),
            allowed_updates=ALLOWED_UPDATES,
            read_timeout=poll_seconds + GET_UPDATES_READ_MARGIN_S,
        )
        return [u.to_dict() for u in updates]

    async def process(self, update: dict[str, Any]) -> None:
        """Run one stored update through the Application's handlers."""
        await self.application.process_update(Update.de_json(update, self.application.bot))

    async def stop(self) -> None:
        if not self._started:
            return
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        await self.application.stop()
        await self.application.shutdown()
        self._started = False
