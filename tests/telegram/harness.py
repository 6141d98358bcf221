"""The Telegram channel wired like ``coach run`` wires it, against the local Bot API fixture, plus a
fake person who types and presses buttons through that fixture and a stand-in for the engine."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from bot.http.server import build_web_app
from bot.inbox.processor import InboxProcessor
from bot.outbound.sender import OutboundSender
from bot.outbound.transport import RateLimits
from bot.telegram.component import TelegramComponent, build_channel, build_driver
from conversations.messages import Button, IncomingMessage, OutgoingMessage, UrlButton
from conversations.ports import ConversationHandler, Transcriber
from domain.db import Database
from domain.services.delivery_queue import unfinished_count
from domain.services.files import read_stored_file
from tests.support.servers import serve_locally
from tests.support.telegram_api import ApiCall, FakeTelegram

# Fast limits so scenarios run quickly; the real constants are tested in tests/outbound.
FAST_LIMITS = RateLimits(per_chat_interval_s=0.005, global_per_second=2000.0, group_per_minute=None)
WEBHOOK_SECRET = "s3cret-token_for-tests"


@dataclass
class Harness:
    fake: FakeTelegram
    component: TelegramComponent
    sender: OutboundSender
    inbox: InboxProcessor
    runner: web.AppRunner | None = None
    webhook_url: str | None = None
    done: dict[int, asyncio.Event] = field(default_factory=dict)

    def done_event(self, update_id: int) -> asyncio.Event:
        return self.done.setdefault(update_id, asyncio.Event())

    async def processed(self, update_id: int, within: float = 20.0) -> None:
        """The update was handled and every reply it queued has left the outbox."""
        await asyncio.wait_for(self.done_event(update_id).wait(), timeout=within)
        update = next(u for u in self.fake.updates if u["update_id"] == update_id)
        chat = str(
            (
                update.get("message")
                or update.get("callback_query", {}).get("message")
                or update.get("my_chat_member")
                or {}
            )["chat"]["id"]
        )
        async with asyncio.timeout(within):
            while True:
                async with self.component.db.unit_of_work() as session:
                    if not await unfinished_count(session, "telegram", chat):
                        return
                await asyncio.sleep(0.02)

    async def stop(self) -> None:
        await self.component.stop_intake()
        await self.inbox.stop(5.0)
        await self.sender.stop()
        await self.component.stop()
        if self.runner is not None:
            await self.runner.cleanup()


async def start_harness(
    db: Database,
    fake: FakeTelegram,
    handler: ConversationHandler,
    *,
    driver: str,
    mode: str,
    storage_dir: Path,
    limits: RateLimits = FAST_LIMITS,
    transcriber: Transcriber | None = None,
) -> Harness:
    sender = OutboundSender(db, poll_interval=0.05, backoff_base=0.05)
    inbox = InboxProcessor(db, poll_interval=0.05)
    tg_driver = build_driver(driver, fake.token, fake.root)
    channel = build_channel(
        db, tg_driver, handler, sender, storage_dir, limits=limits, transcriber=transcriber
    )
    webhook = mode == "webhook"
    component = TelegramComponent(
        tg_driver, channel, inbox, webhook_url="pending" if webhook else None, webhook_secret=WEBHOOK_SECRET
    )
    harness = Harness(fake, component, sender, inbox)
    channel.on_handled = lambda inbound: harness.done_event(inbound.update_id).set()
    if webhook:
        app = build_web_app(db)
        component.install_routes(app)
        harness.runner, root = await serve_locally(app)
        harness.webhook_url = f"{root}/telegram/webhook"
        component.webhook_url = harness.webhook_url
    await sender.start()
    await component.start()
    await inbox.start()
    return harness


@dataclass
class TelegramUser:
    """A person in a private chat with the bot (a :class:`tests.support.chat.Person`): each action waits
    until the channel has handled its update and returns what the bot sent in answer."""

    harness: Harness
    user_id: int
    name: str = "Alex"

    @property
    def fake(self) -> FakeTelegram:
        return self.harness.fake

    async def send(self, text: str) -> list[ApiCall]:
        return await self.push(self.fake.send_text(self.user_id, text, name=self.name))

    def button(self, label: str) -> tuple[str, int]:
        """(callback_data, message_id) of the newest message showing a button ``label``."""
        for call in reversed(self.fake.sent(self.user_id)):
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("text") == label and "callback_data" in button:
                        return str(button["callback_data"]), int(call.params["message_id"])
        raise AssertionError(f"no button {label!r} in the chat")

    async def press(self, label: str) -> list[ApiCall]:
        data, message_id = self.button(label)
        return await self.push(self.fake.press(self.user_id, data, message_id, name=self.name))

    async def push(self, update: Awaitable[int]) -> list[ApiCall]:
        """Push any update built by the fixture (photo, document...), wait for its handling."""
        before = len(self.fake.sent(self.user_id))
        update_id = await update
        await self.harness.processed(update_id)
        return self.fake.sent(self.user_id)[before:]


class RecordingHandler:
    """Stands in for the engine: echoes what it got, with two buttons and a URL button."""

    def __init__(self) -> None:
        self.seen: list[IncomingMessage] = []

    async def handle(self, message: IncomingMessage) -> list[OutgoingMessage]:
        self.seen.append(message)
        said = message.button_payload or message.text or ",".join(a.kind for a in message.attachments)
        return [
            OutgoingMessage(
                f"got {said}",
                buttons=((Button("Yes", "answer:yes"), Button("No", "answer:no")),),
                url_buttons=(UrlButton("Pay", "https://pay.example.com/x"),),
            )
        ]


def read(path: str | None) -> bytes:
    """The content of a stored file as the client sent it (on disk it is encrypted)."""
    return read_stored_file(path or "")


def texts(calls: list[ApiCall]) -> str:
    return "\n".join(str(c.params.get("text", "")) for c in calls)
