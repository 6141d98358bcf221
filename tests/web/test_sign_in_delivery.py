"""A sign-in link asked for on the sign-in page reaches the coach for real: by email through the email
integration to a local SMTP server (aiosmtpd), and by Slack DM through the Slack transport to the local
Slack Web API; the delivered link signs in once. (Telegram: tests/web/test_account.py.)"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.components import AppContext
from bot.config import load_settings
from bot.outbound.sender import OutboundSender
from bot.slack.transport import SlackTransport
from domain.db import Database
from domain.models import AuditEvent, Coach
from integrations.scheduler.component import attach_email_transport
from tests.reminders.smtp_server import Inbox, start_smtp
from tests.support.slack_api import SlackApiServer
from tests.support.web import Browser, add_coach, browser, served_workspace

LINK = re.compile(r"https?://[^\s\"'<>]+/app/signin/([A-Za-z0-9_-]+)")


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, int]]:
    inbox = Inbox()
    server, port = await start_smtp(inbox)
    yield inbox, port
    server.close()
    await server.wait_closed()


@pytest.fixture
async def slack_api() -> AsyncIterator[SlackApiServer]:
    server = SlackApiServer()
    await server.start()
    yield server
    await server.stop()


async def _signs_in_once(visitor: Browser, code: str) -> None:
    status, body, _ = await visitor.get(f"/app/signin/{code}")
    assert status == 200 and "Continue as Ana" in body
    status, _, response = await visitor.post(f"/app/signin/{code}")
    assert (status, response.headers["Location"]) == (303, "/app/clients")
    status, _, _ = await visitor.get("/app/clients")
    assert status == 200
    async with browser(visitor.root) as someone_else:
        status, body, _ = await someone_else.get(f"/app/signin/{code}")
        assert status != 200 or "Continue as" not in body  # a used link opens nothing


def _expected_trail(via: str) -> list[tuple[str, dict[str, str]]]:
    return [
        ("web.sign_in_issued", {"sent_via": via}),
        ("web.signed_in", {}),
        ("web.sign_in_refused", {"reason": "used link"}),
    ]


async def _sign_in_audit(db: Database, coach_id: int) -> list[tuple[str, dict[str, str]]]:
    """The audit trail of the coach's sign-in: issued (and how it was sent), used, refused when reused."""
    async with db.unit_of_work() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.details)
            .where(AuditEvent.action.like("web.%"), AuditEvent.subject == f"coach:{coach_id}")
            .order_by(AuditEvent.id)
        )
        return [(action, dict(details or {})) for action, details in rows]


async def test_a_link_asked_for_arrives_by_email_and_signs_in(db: Database, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    ana = await add_coach(db, "Ana", "ana@example.com")
    email = {
        "COACH_SMTP_HOST": "127.0.0.1",
        "COACH_SMTP_PORT": port,
        "COACH_SMTP_FROM": "coach@example.com",
        "COACH_SMTP_STARTTLS": False,
    }
    sender = OutboundSender(db)
    assert attach_email_transport(
        AppContext(settings=load_settings(COACH_DATABASE_URL=db.url, **email), db=db), sender
    )
    async with served_workspace(db, **email) as root, browser(root) as visitor:
        await visitor.get("/app/signin")
        status, body, _ = await visitor.post("/app/signin", {"email": "ana@example.com"})
        assert status == 200 and "on its way" in body
        assert await sender.drain_once() == 1
        [(envelope, message)] = inbox.messages
        assert envelope.rcpt_tos == ["ana@example.com"] and message["Subject"] == "Your sign-in link"
        plain = message.get_body(("plain",))
        assert plain is not None
        found = LINK.search(plain.get_content())
        assert found is not None and "15 minutes" in plain.get_content()
        await _signs_in_once(visitor, found.group(1))
    assert await _sign_in_audit(db, ana.id) == _expected_trail("email")


async def test_a_link_asked_for_arrives_as_a_slack_dm_before_email(
    db: Database, slack_api: SlackApiServer
) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    async with db.unit_of_work() as session:
        coach = await session.get(Coach, ana.id)
        assert coach is not None
        coach.slack_user_id = "U0ANA"
    channels = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "COACH_SMTP_HOST": "127.0.0.1",
        "COACH_SMTP_FROM": "coach@example.com",
    }
    sender = OutboundSender(db)
    sender.register(SlackTransport(AsyncWebClient(token="xoxb-test", base_url=slack_api.base_url), db))
    async with served_workspace(db, **channels) as root, browser(root) as visitor:
        await visitor.get("/app/signin")
        status, body, _ = await visitor.post("/app/signin", {"email": "ana@example.com"})
        assert status == 200 and "on its way" in body
        assert await sender.drain_once() == 1
        [posted] = slack_api.of("chat.postMessage")
        found = LINK.search(json.dumps(posted))
        assert found is not None
        await _signs_in_once(visitor, found.group(1))
    assert await _sign_in_audit(db, ana.id) == _expected_trail("slack")
