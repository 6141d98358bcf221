"""The Telegram channel, driver-independent: each update once, one chat's updates in order,
every button press answered and its keyboard removed, files kept, replies sent within limits.

In ``coach run`` every update is first stored in the inbox and then dispatched from there through the
driver's own Dispatcher/Application (:data:`STORED_UPDATE` marks that dispatch): its replies are then
outbox rows written with the step, and a database outage leaves the update stored for another try.
Updates reaching the channel any other way (a coach's own mounted router) are answered directly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from bot.outbound.sender import OutboundSender
from bot.telegram.api import BotApi
from bot.telegram.callback_data import CallbackCodec
from bot.telegram.files import FileRejected, FileStore, check_attachment
from bot.telegram.inbound import TelegramInbound, from_callback, from_membership, from_message, update_key
from bot.telegram.limits import PLATFORM
from bot.voice import VoiceNotes, VoiceRejected
from conversations.cohort_groups import CohortGroups
from conversations.i18n import use_locale
from conversations.messages import OutgoingMessage
from conversations.ports import ConversationHandler, ConversationsUnavailable
from conversations.store import speaker_locale
from conversations.texts import Channel as T

log = logging.getLogger(__name__)

# The bot's statuses in a chat (my_chat_member) that mean it is in it / no longer in it.
JOINED_STATUSES = frozenset({"member", "administrator", "creator", "restricted"})
LEFT_STATUSES = frozenset({"left", "kicked"})
# Update ids remembered to drop re-sent updates (Telegram re-sends recent ones only); the engine's
# idempotency keys cover anything older.
RECENT_UPDATES = 50_000


@dataclasses.dataclass(slots=True)
class StoredDispatch:
    """Set while an inbox row is dispatched: which update it is, and what went wrong with it (the
    drivers' dispatchers swallow handler errors, so the channel reports them here instead)."""

    key: str
    seen: bool = False
    error: BaseException | None = None


STORED_UPDATE: ContextVar[StoredDispatch | None] = ContextVar("stored_telegram_update", default=None)


class _ChatQueue:
    """Runs one chat's updates strictly one after another, in arrival order."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Future[None]] = {}

    async def run(self, chat_id: str, work: Callable[[], Awaitable[None]]) -> None:
        previous = self._tails.get(chat_id)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[chat_id] = mine
        try:
            if previous is not None:
                # Shielded: a cancelled waiter must not cancel the previous update's future.
                await asyncio.shield(previous)
            await work()
        finally:
            if not mine.done():
                mine.set_result(None)
            if self._tails.get(chat_id) is mine:
                del self._tails[chat_id]


def _something_wrong(language_hint: str | None) -> OutgoingMessage:
    """The apology when handling failed, in the language the person's app is set to (the database
    that holds their chosen one may be what failed)."""
    with use_locale(language_hint):
        return OutgoingMessage(str(T.SOMETHING_WRONG))


class TelegramChannel:
    def __init__(
        self,
        handler: ConversationHandler,
        sender: OutboundSender,
        files: FileStore,
        codec: CallbackCodec,
        voice: VoiceNotes | None = None,
    ) -> None:
        self.handler = handler
        self.sender = sender
        self.files = files
        self.codec = codec
        # Without a transcriber voice notes go on as audio only.
        self.voice = voice or VoiceNotes(files.db, None)
        # What is said in group chats (cohort groups); None answers groups like private chats.
        self.groups: CohortGroups | None = None
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._chats = _ChatQueue()
        # Called after each update is fully handled (replies sent or queued); tests and bench wait on it.
        self.on_handled: Callable[[TelegramInbound], None] | None = None

    @property
    def api(self) -> BotApi:
        return self.files.api

    # -- entry points used by the drivers ----------------------------------------------------

    async def on_message(self, update_id: int, message: Any) -> None:
        await self.process(from_message(update_id, message))

    async def on_membership(self, update_id: int, event: Any) -> None:
        await self.process(from_membership(update_id, event))

    async def on_callback(self, update_id: int, query: Any) -> None:
        payload = self.codec.decode(query.data) if query.data else None
        await self.process(from_callback(update_id, query, payload))

    def first_time(self, update_id: int) -> bool:
        """True once per update_id (a re-sent update is dropped here)."""
        if update_id in self._recent:
            return False
        self._recent[update_id] = None
        if len(self._recent) > RECENT_UPDATES:
            self._recent.popitem(last=False)
        return True

    async def process(self, inbound: TelegramInbound) -> None:
        stored = STORED_UPDATE.get()
        if stored is not None and stored.key == update_key(inbound.update_id):
            # From the inbox, which already keeps order per chat and stores each update once.
            stored.seen = True
            inbound = dataclasses.replace(
                inbound, message=dataclasses.replace(inbound.message, from_inbox=True)
            )
            try:
                await self._handle(inbound)
            except Exception as exc:
                stored.error = exc
            finally:
                if self.on_handled is not None:
                    self.on_handled(inbound)
            return
        if not self.first_time(inbound.update_id):
            log.info("update %s seen before; ignored", inbound.update_id)
            return
        try:
            await self._chats.run(inbound.chat_id, lambda: self._handle(inbound))
        finally:
            if self.on_handled is not None:
                self.on_handled(inbound)

    # -- one update ---------------------------------------------------------------------------

    async def _handle(self, inbound: TelegramInbound) -> None:
        message = inbound.message
        if self.groups is not None and (inbound.in_group or inbound.membership is not None):
            await self._handle_group(inbound)
            return
        # The channel's own answers are in the client's language (looked up only when one is due).
        if inbound.callback_id is not None:
            await self._settle_press(inbound)
            if message.button_payload is None:
                with use_locale(await speaker_locale(self.files.db, message)):
                    await self._reply(inbound, [OutgoingMessage(str(T.EXPIRED_BUTTON))])
                return
        if inbound.unsupported:
            with use_locale(await speaker_locale(self.files.db, message)):
                await self._reply(inbound, [OutgoingMessage(str(T.UNSUPPORTED_MESSAGE))])
            return
        if message.attachments:
            with use_locale(await speaker_locale(self.files.db, message)):
                try:
                    for attachment in message.attachments:
                        check_attachment(attachment)
                    self.voice.check(message)
                    kept = tuple(
                        [
                            await self.files.keep(a, external_user_id=message.external_user_id)
                            for a in message.attachments
                        ]
                    )
                    # Before the engine's step, outside its transaction, under the voice notes' own timeout.
                    message = await self.voice.hear(dataclasses.replace(message, attachments=kept))
                except (FileRejected, VoiceRejected) as rejected:
                    await self._reply(inbound, [OutgoingMessage(str(rejected))])
                    return
        try:
            replies = await self.handler.handle(message)
        except ConversationsUnavailable:
            if message.from_inbox:
                raise  # stays in the inbox; nobody is told "something went wrong" for an outage
            replies = [_something_wrong(message.language_hint)]
        except Exception:
            log.exception("the conversation engine failed on update %s", inbound.update_id)
            replies = [_something_wrong(message.language_hint)]
        else:
            if message.from_inbox and getattr(self.handler, "queues_inbox_replies", False):
                self.sender.wake()  # the step queued its replies with itself
                return
        await self._reply(inbound, replies)

    async def _handle_group(self, inbound: TelegramInbound) -> None:
        """A group chat: linking and run minutes (cohorts), and the bot joining or leaving it."""
        assert self.groups is not None
        chat = inbound.chat_id
        if inbound.membership is not None:
            if inbound.membership in LEFT_STATUSES:
                await self.groups.left(PLATFORM, chat)
            elif inbound.membership in JOINED_STATUSES and inbound.in_group:
                await self._reply(inbound, await self.groups.joined(PLATFORM, chat))
            return
        if inbound.callback_id is not None:
            await self._settle_press(inbound)
            return
        if inbound.unsupported or inbound.message.text is None:
            return  # photos, stickers, members joining: not ours to answer in a group
        await self._reply(inbound, await self.groups.handle(inbound.message, title=inbound.chat_title))

    async def _settle_press(self, inbound: TelegramInbound) -> None:
        """Stop the spinner and take the keyboard away so the same button cannot be pressed twice.
        Neither is worth failing the update for (the message may be too old to edit)."""
        assert inbound.callback_id is not None
        try:
            await self.api.answer_callback(inbound.callback_id)
        except Exception as exc:
            log.info("answerCallbackQuery failed: %s", type(exc).__name__)
        if inbound.pressed_message_id is not None:
            try:
                await self.api.remove_keyboard(inbound.chat_id, inbound.pressed_message_id)
            except Exception as exc:
                log.info("removing a pressed keyboard failed: %s", type(exc).__name__)

    async def _reply(self, inbound: TelegramInbound, replies: list[OutgoingMessage]) -> None:
        if not replies:
            return
        key = inbound.message.idempotency_key
        if inbound.message.from_inbox:
            # Queued before the update counts as handled, under keys that handling it again repeats.
            for i, reply in enumerate(replies):
                await self.sender.enqueue(PLATFORM, inbound.chat_id, reply, dedupe_key=f"{key}:reply:{i}")
            return
        await self.sender.send_direct(PLATFORM, inbound.chat_id, replies, dedupe_key=key)
