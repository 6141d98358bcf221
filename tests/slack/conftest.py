"""The real Bolt app on our aiohttp server over HTTP, its Web API client on a local Slack fixture."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.http.server import build_web_app
from bot.inbox.processor import InboxProcessor
from bot.outbound.sender import OutboundSender
from bot.slack.app import SlackBot
from conversations.engine import ConversationEngine
from conversations.messages import IncomingMessage, OutgoingMessage
from conversations.ports import ConversationHandler, PaymentOffer
from domain.db import Database
from domain.models import Client, Coach, InboxUpdate
from domain.models.enums import InboxStatus
from domain.services.clients import register_client
from domain.services.coaches import create_coach
from tests.payments.conftest import (  # noqa: F401 - the Stripe rig's fixtures, for test_payments.py
    _checkout_api,
    localstripe,
    payments,
    shop,
    stripe_api,
    webhook,
)
from tests.slack.stripe_process import LocalStripeProcess, run_localstripe_process
from tests.support.slack_api import TEAM_ID, SlackApiServer

SIGNING_SECRET = "test-signing-secret"
COACH_USER = "UCOACH01"
COACH_DM = "DCOACH01"  # what the fixture's conversations.open returns for COACH_USER
STRANGER = "USTRANGE1"


class FakePayments:
    """The payment port as /coach paylink sees it (Stripe itself is tested by the payments issue)."""

    def __init__(self) -> None:
        self.enrollments: list[int] = []

    async def checkout_for_enrollment(self, enrollment_id: int) -> PaymentOffer:
        self.enrollments.append(enrollment_id)
        return PaymentOffer(
            url=f"https://pay.example/e/{enrollment_id}", label="Pay now", amount_minor=4900, currency="usd"
        )


class GatedHandler:
    """Wraps the real engine; while ``gate`` is closed every message waits (slow work after the ack)."""

    def __init__(self, inner: ConversationHandler) -> None:
        import asyncio

        self.inner = inner
        self.gate = asyncio.Event()
        self.gate.set()
        self.started = asyncio.Event()
        self.seen: list[IncomingMessage] = []

    async def handle(self, message: IncomingMessage) -> list[OutgoingMessage]:
        self.seen.append(message)
        self.started.set()
        await self.gate.wait()
        return await self.inner.handle(message)


@dataclass
class SlackHarness:
    db: Database
    api: SlackApiServer
    bot: SlackBot
    sender: OutboundSender
    handler: GatedHandler
    payments: FakePayments
    url: str
    http: aiohttp.ClientSession
    _n: list[int] = field(default_factory=lambda: [0])
    last_body: bytes = b""
    last_request: str = ""  # the body last posted, to re-send it as Slack's retry would

    def next_id(self) -> str:
        self._n[0] += 1
        return str(self._n[0])

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        headers: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        self.last_request = body
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = str(SignatureVerifier(secret).generate_signature(timestamp=ts, body=body))
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
            **(headers or {}),
        }
        async with self.http.post(self.url, data=body.encode(), headers=all_headers) as response:
            self.last_body = await response.read()
            return response

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None
    ) -> aiohttp.ClientResponse:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM_ID,
                "api_app_id": "A0000001",
                "type": "event_callback",
                "event_id": event_id or f"Ev{self.next_id()}",
                "event_time": int(time.time()),
                "event": event,
            }
        )
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return await self.post(body, "application/json", headers=headers)

    async def command(self, text: str, *, user: str = COACH_USER) -> aiohttp.ClientResponse:
        n = self.next_id()
        body = urlencode(
            {
                "token": "legacy",
                "team_id": TEAM_ID,
                "channel_id": COACH_DM,
                "user_id": user,
                "command": "/coach",
                "text": text,
                "response_url": self.api.response_url(f"cmd{n}"),
                "trigger_id": f"trigger.{n}",
            }
        )
        return await self.post(body, "application/x-www-form-urlencoded")

    async def action(
        self,
        action_id: str,
        value: str,
        *,
        user: str = COACH_USER,
        channel: str = COACH_DM,
        message: dict[str, Any] | None = None,
        label: str = "button",
        response_url: bool = True,
    ) -> aiohttp.ClientResponse:
        n = self.next_id()
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": user},
            "api_app_id": "A0000001",
            "trigger_id": f"trigger.{n}",
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "type": "button",
                    "text": {"type": "plain_text", "text": label},
                    "action_ts": f"1700000100.{int(n):06d}",
                }
            ],
        }
        if message is not None:
            payload["container"] = {"type": "message", "message_ts": message["ts"], "channel_id": channel}
            payload["channel"] = {"id": channel}
            payload["message"] = message
        else:
            payload["container"] = {"type": "view", "view_id": "V1"}
            payload["view"] = {"id": "V1", "type": "home"}
        if response_url and message is not None:
            payload["response_url"] = self.api.response_url(f"act{n}")
        return await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    async def deliver_outbox(self) -> int:
        """Run the shared sender once: what the running service does every poll."""
        return await self.sender.drain_once()


@pytest.fixture(scope="session")
def _localstripe() -> Iterator[LocalStripeProcess]:
    """Our own localstripe (a child process): the payments tests hold this process's one server."""
    yield from run_localstripe_process()


@pytest.fixture
async def slack_api() -> AsyncIterator[SlackApiServer]:
    server = SlackApiServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def harness(db: Database, slack_api: SlackApiServer, tmp_path: Path) -> AsyncIterator[SlackHarness]:
    engine = ConversationEngine(db)
    await engine.start()
    handler = GatedHandler(engine)
    sender = OutboundSender(db, poll_interval=0.05, backoff_base=0.01)
    fake_payments = FakePayments()
    bot = SlackBot(
        db=db,
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        handler=handler,
        sender=sender,
        api_url=slack_api.base_url,
        payments=fake_payments,
        storage_dir=tmp_path / "files",
    )
    web_app = build_web_app(db)
    bot.install_routes(web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = int(runner.addresses[0][1])
    async with aiohttp.ClientSession() as http:
        yield SlackHarness(
            db, slack_api, bot, sender, handler, fake_payments, f"http://127.0.0.1:{port}/slack/events", http
        )
    handler.gate.set()
    await bot.drain()
    await runner.cleanup()
    await engine.stop()


@pytest.fixture
async def stored_harness(
    db: Database, slack_api: SlackApiServer, tmp_path: Path
) -> AsyncIterator[SlackHarness]:
    """Like ``harness`` as ``coach run`` wires it: events stored in the inbox before the ack and
    handled from there (test_inbox.py, test_cohort_channel.py)."""
    engine = ConversationEngine(db)
    await engine.start()
    sender = OutboundSender(db, poll_interval=0.05, backoff_base=0.01)
    inbox = InboxProcessor(db, poll_interval=0.05)
    handler = GatedHandler(engine)
    handler.gate.set()
    bot = SlackBot(
        db=db,
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        handler=engine,
        sender=sender,
        api_url=slack_api.base_url,
        storage_dir=tmp_path / "files",
        inbox=inbox,
    )
    web_app = build_web_app(db)
    bot.install_routes(web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    await sender.start()
    await inbox.start()
    port = int(runner.addresses[0][1])
    async with aiohttp.ClientSession() as http:
        yield SlackHarness(
            db,
            slack_api,
            bot,
            sender,
            handler,
            None,
            f"http://127.0.0.1:{port}/slack/events",
            http,  # type: ignore[arg-type]
        )
    await inbox.stop(5.0)
    await sender.stop()
    await runner.cleanup()
    await engine.stop()


async def handled_updates(db: Database, count: int, within: float = 10.0) -> None:
    """Until ``count`` stored requests are marked handled (the inbox does so once the listener ends)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if await count_rows(db, InboxUpdate, InboxUpdate.status == InboxStatus.HANDLED) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} stored requests handled in time")


async def count_rows(db: Database, model: type, *where: object) -> int:
    async with db.unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
async def coach(db: Database) -> Coach:
    async with db.unit_of_work() as session:
        return await create_coach(
            session, name="Casey Coach", email="casey@example.com", slack_user_id=COACH_USER
        )


async def add_client(
    db: Database, coach: Coach, name: str, *, platform: str = "telegram", user: str | None = None
) -> Client:
    user = user or f"{abs(hash(name)) % 10**9}"
    async with db.unit_of_work() as session:
        return await register_client(
            session,
            platform=platform,
            external_user_id=user,
            chat_id=user if platform == "telegram" else f"D{user}",
            display_name=name,
            coach_id=coach.id,
        )
