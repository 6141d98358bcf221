"""The SMS channel wired like ``coach run`` wires it (webhook, inbox, sender, the real engine), against
the local Twilio-shaped server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.http.server import build_web_app
from bot.inbox.processor import InboxProcessor
from bot.outbound.sender import OutboundSender
from bot.outbound.transport import RateLimits
from bot.sms.channel import WEBHOOK_PATH, SmsChannel
from conversations.ports import ConversationHandler
from domain.db import Database
from domain.services.inbox import LeasedUpdate
from integrations.sms.twilio_transport import TwilioSmsTransport
from tests.support.servers import serve_locally
from tests.support.twilio_api import FROM_NUMBER, FakeTwilio

FAST_LIMITS = RateLimits(per_chat_interval_s=0.005, global_per_second=2000.0, group_per_minute=None)


@dataclass
class SmsHarness:
    twilio: FakeTwilio
    channel: SmsChannel
    sender: OutboundSender
    inbox: InboxProcessor
    webhook_url: str
    handled: list[str]
    progress: asyncio.Event

    async def text(self, phone: str, body: str, **options: str) -> int:
        """Text the bot; returns the webhook's status, after a stored message has been handled."""
        before = len(self.handled)
        status, _ = await self.twilio.text(self.webhook_url, phone, body, **options)
        if status == 200:
            async with asyncio.timeout(10):
                while len(self.handled) == before:
                    self.progress.clear()
                    await self.progress.wait()
        return status


@asynccontextmanager
async def sms_harness(
    db: Database, handler: ConversationHandler, twilio: FakeTwilio, *, limits: RateLimits = FAST_LIMITS
) -> AsyncIterator[SmsHarness]:
    sender = OutboundSender(db, poll_interval=0.05, backoff_base=0.05)
    inbox = InboxProcessor(db, poll_interval=0.05)
    sender.register(
        TwilioSmsTransport(
            db,
            account_sid=twilio.account_sid,
            auth_token=twilio.auth_token,
            sender=FROM_NUMBER,
            api_url=twilio.root,
            limits=limits,
        )
    )
    # The public URL (what Twilio signs) is known once the port is: told to the channel after.
    channel = SmsChannel(db, handler, sender, inbox, auth_token=twilio.auth_token, public_url="http://unset")
    app = build_web_app(db)
    channel.install_routes(app)
    runner, root = await serve_locally(app)
    channel.public_url = root + WEBHOOK_PATH
    handled: list[str] = []
    progress = asyncio.Event()

    def done(update: LeasedUpdate) -> None:
        handled.append(update.key)
        progress.set()

    inbox.on_done = done
    await sender.start()
    await inbox.start()
    try:
        yield SmsHarness(twilio, channel, sender, inbox, root + WEBHOOK_PATH, handled, progress)
    finally:
        await inbox.stop(5.0)
        await sender.stop()
        await runner.cleanup()
