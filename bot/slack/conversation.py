"""Clients on Slack: DMs and button presses become neutral messages for the conversation engine,
and its replies are posted back as Block Kit."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.outbound.sender import OutboundSender
from bot.slack import blocks
from bot.slack.files import FileRejected, SlackFiles
from conversations.i18n import use_locale
from conversations.messages import Attachment, IncomingMessage, OutgoingMessage
from conversations.ports import ConversationHandler
from conversations.store import speaker_locale

log = logging.getLogger(__name__)

PLATFORM = "slack"
# The inbox key of the stored event being handled (set by SlackBot.handle_stored): a client's message
# from it is answered through the outbox, written with the conversation step.
STORED_EVENT: ContextVar[str | None] = ContextVar("stored_slack_event", default=None)
DISPLAY_NAME_CACHE_MAX = 10_000


def attachments_of(event: dict[str, Any]) -> tuple[Attachment, ...]:
    found = []
    for file in event.get("files") or []:
        mime = file.get("mimetype")
        found.append(
            Attachment(
                kind="photo" if mime and str(mime).startswith("image/") else "document",
                file_id=str(file.get("id", "")),
                mime_type=mime,
                size_bytes=file.get("size"),
                file_name=file.get("name"),
            )
        )
    return tuple(found)


class ChatOrder:
    """One chat's messages are handled one after another, in the order they reached us."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(chat_id, asyncio.Lock())  # asyncio.Lock wakes waiters in FIFO order
        self._users[chat_id] = self._users.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[chat_id] -= 1
            if not self._users[chat_id]:
                del self._users[chat_id], self._locks[chat_id]


class SlackConversation:
    def __init__(
        self, handler: ConversationHandler, sender: OutboundSender, files: SlackFiles | None = None
    ) -> None:
        self.handler = handler
        self.sender = sender
        self.files = files
        self._names: dict[str, str] = {}
        # Each person's Slack locale ("de-DE"), read with their name: a new client's language hint.
        self._locales: dict[str, str] = {}
        self._chats = ChatOrder()

    async def display_name(self, client: AsyncWebClient, user_id: str) -> str | None:
        if user_id not in self._names:
            try:
                response = await client.users_info(user=user_id, include_locale=True)
                user = response["user"]
                profile = user.get("profile") or {}
                name = user.get("real_name") or profile.get("display_name") or user.get("name")
            except Exception:
                log.warning("users.info failed; continuing without a display name")
                return None
            if len(self._names) >= DISPLAY_NAME_CACHE_MAX:
                self._names.clear()
                self._locales.clear()
            self._names[user_id] = str(name) if name else ""
            if user.get("locale"):
                self._locales[user_id] = str(user["locale"])
        return self._names[user_id] or None

    async def language_hint(self, client: AsyncWebClient, user_id: str) -> str | None:
        """What the person's Slack is set to ("de-DE"), read with their name; None if unknown."""
        await self.display_name(client, user_id)
        return self._locales.get(user_id)

    async def on_direct_message(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        async with self._chats.turn(str(event["channel"])):
            await self._direct_message(event, client)

    async def on_button(self, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        channel = str((body.get("channel") or {}).get("id") or body["container"]["channel_id"])
        async with self._chats.turn(channel):
            await self._button(channel, body, action, client)

    async def _direct_message(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        user_id = str(event["user"])
        message = IncomingMessage(
            platform=PLATFORM,
            external_user_id=user_id,
            chat_id=str(event["channel"]),
            message_id=str(event["ts"]),
            text=event.get("text") or None,
            attachments=attachments_of(event),
            display_name=await self.display_name(client, user_id),
            language_hint=self._locales.get(user_id),
        )
        stored = STORED_EVENT.get()
        if stored is not None:
            message = dataclasses.replace(message, idempotency_key=stored, from_inbox=True)
        if message.attachments and self.files is not None:
            # A refusal is worded in the client's language.
            with use_locale(await speaker_locale(self.files.db, message)):
                try:
                    kept = [await self.files.keep(a, external_user_id=user_id) for a in message.attachments]
                except FileRejected as rejected:
                    await self._answer(message, [OutgoingMessage(str(rejected))])
                    return
            message = dataclasses.replace(message, attachments=tuple(kept))
        await self._converse(message)

    async def _button(
        self, channel: str, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user_id = str(body["user"]["id"])
        original = body.get("message") or {}
        message = IncomingMessage(
            platform=PLATFORM,
            external_user_id=user_id,
            chat_id=channel,
            message_id=f"{original.get('ts', '')}:{action.get('action_ts', '')}",
            button_payload=str(action.get("value", "")),
            display_name=await self.display_name(client, user_id),
            language_hint=self._locales.get(user_id),
        )
        stored = STORED_EVENT.get()
        if stored is not None:
            message = dataclasses.replace(message, idempotency_key=stored, from_inbox=True)
        if original.get("ts"):
            label = str((action.get("text") or {}).get("text", ""))
            try:
                # Drop the buttons so an old question can't be answered twice.
                await client.chat_update(
                    channel=channel,
                    ts=original["ts"],
                    text=original.get("text", ""),
                    blocks=blocks.answered_blocks(original.get("blocks") or [], label),
                )
            except Exception:
                log.warning("could not update the pressed message")
        await self._converse(message)

    async def _converse(self, message: IncomingMessage) -> None:
        replies = await self.handler.handle(message)
        if message.from_inbox and getattr(self.handler, "queues_inbox_replies", False):
            self.sender.wake()  # the step queued its replies with itself
            return
        await self._answer(message, replies)

    async def _answer(self, message: IncomingMessage, replies: list[OutgoingMessage]) -> None:
        if message.from_inbox:
            # Queued before the event counts as handled, under keys that handling it again repeats.
            for i, reply in enumerate(replies):
                key = f"{message.idempotency_key}:reply:{i}"
                await self.sender.enqueue(PLATFORM, message.chat_id, reply, dedupe_key=key)
            return
        # Sent now within Slack's limits; what can't go now is queued by the shared sender.
        await self.sender.send_direct(
            PLATFORM, message.chat_id, replies, dedupe_key=f"reply:{message.idempotency_key}"
        )
