"""Slack events in ``coach run``: stored in the inbox before Slack's 200 (503 when they cannot be),
handled from there once per event id, the client's replies queued with the step."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.http.server import build_web_app
from bot.inbox.processor import InboxProcessor
from bot.outbound.sender import OutboundSender
from bot.slack.app import SlackBot
from conversations.engine import ConversationEngine
from domain.db import Database
from domain.models import Coach, InboxUpdate, OutboundMessage, ProcessedMessage
from domain.models.enums import InboxStatus
from domain.services import inbox as inbox_service
from tests.slack.conftest import SIGNING_SECRET, GatedHandler, SlackHarness, add_client
from tests.support.slack_api import SlackApiServer

CLIENT_USER = "UROBIN01"
DM = "DUROBIN01"


@pytest.fixture
async def stored_harness(
    db: Database, slack_api: SlackApiServer, tmp_path: Path
) -> AsyncIterator[SlackHarness]:
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


def _dm(text: str, ts: str) -> dict[str, str]:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": DM,
        "user": CLIENT_USER,
        "text": text,
        "ts": ts,
    }


async def _count(db: Database, model: type, *where: object) -> int:
    async with db.unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_an_event_is_stored_before_the_ack_and_handled_once_from_the_inbox(
    stored_harness: SlackHarness, coach: Coach
) -> None:
    harness = stored_harness
    await add_client(harness.db, coach, "Robin Slack", platform="slack", user=CLIENT_USER)
    assert (await harness.event(_dm("/help", "1700000001.000100"), event_id="EvINBOX1")).status == 200
    for retry in (1, 2):  # Slack re-sends it; stored and handled once
        assert (
            await harness.event(_dm("/help", "1700000001.000100"), event_id="EvINBOX1", retry=retry)
        ).status == 200
    posts = await harness.api.wait_for("chat.postMessage")
    assert "/checkin" in str(posts[0].get("text", "")) + str(posts[0].get("blocks", ""))
    assert await _count(harness.db, InboxUpdate) == 1
    assert await _count(harness.db, InboxUpdate, InboxUpdate.status == InboxStatus.HANDLED) == 1
    assert (
        await _count(harness.db, ProcessedMessage, ProcessedMessage.idempotency_key == "slack:event:EvINBOX1")
        == 1
    )
    replies = await _count(
        harness.db, OutboundMessage, OutboundMessage.dedupe_key.like("slack:event:EvINBOX1:reply:%")
    )
    assert replies == len(posts) >= 1


async def test_an_event_that_cannot_be_stored_is_503_and_slacks_retry_is_handled(
    stored_harness: SlackHarness, coach: Coach, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = stored_harness
    await add_client(harness.db, coach, "Robin Slack", platform="slack", user=CLIENT_USER)
    real_store = inbox_service.store_updates

    async def database_down(*args: object, **kwargs: object) -> int:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr("bot.slack.app.store_updates", database_down)
    assert (await harness.event(_dm("/help", "1700000002.000100"), event_id="EvDOWN")).status == 503
    assert await _count(harness.db, InboxUpdate) == 0
    monkeypatch.setattr("bot.slack.app.store_updates", real_store)
    assert (await harness.event(_dm("/help", "1700000002.000100"), event_id="EvDOWN", retry=1)).status == 200
    await harness.api.wait_for("chat.postMessage")
    assert await _count(harness.db, InboxUpdate, InboxUpdate.status == InboxStatus.HANDLED) == 1
