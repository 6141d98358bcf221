"""Email that reaches clients, end to end: a reminder and a payment receipt by email to a confirmed
address through the outbound sender to a real SMTP server (aiosmtpd), the unsubscribe header and
link, the one-click endpoint on the HTTP server (GET confirms, POST unsubscribes, a forged link
changes nothing), and what happens after: reminders go to the chat again."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from bot.http.server import build_web_app
from bot.outbound.sender import OutboundSender
from domain.db import Database
from domain.models import Client
from domain.reminders import DispatchPolicy
from domain.services.client_email import set_email_delivery, unsubscribe_secret, unsubscribe_token
from domain.services.outbox import client_message, enqueue_for_client
from integrations.email import UNSUBSCRIBE_PATH, EmailTransport, SmtpConfig
from tests.reminders.conftest import People, dispatch, outbox, plan, utc
from tests.reminders.smtp_server import Inbox, start_smtp
from tests.support.servers import serve_locally

MORNING = utc(2026, 11, 24, 6, 0)
VERIFIED = utc(2026, 11, 1)
EMAIL = DispatchPolicy(email_enabled=True)


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, int]]:
    inbox = Inbox()
    server, port = await start_smtp(inbox)
    yield inbox, port
    server.close()
    await server.wait_closed()


@pytest.fixture
async def http(db: Database) -> AsyncIterator[str]:
    runner, root = await serve_locally(build_web_app(db))
    yield root
    await runner.cleanup()


@pytest.fixture
def email_on() -> Iterator[None]:
    set_email_delivery(True)
    yield
    set_email_delivery(False)


def sender_for(db: Database, port: int, root: str) -> OutboundSender:
    sender = OutboundSender(db)
    config = SmtpConfig(
        host="127.0.0.1",
        port=port,
        sender="coach@example.com",
        starttls=False,
        unsubscribe_url=f"{root}{UNSUBSCRIBE_PATH}",
    )
    sender.register(EmailTransport(config, validate_certs=False))
    return sender


async def stored(db: Database, client_id: int) -> Client:
    async with db.unit_of_work() as session:
        client = await session.get(Client, client_id)
        assert client is not None
        return client


async def test_reminder_by_email_with_one_click_unsubscribe(
    db: Database, people: People, smtp: tuple[Inbox, int], http: str
) -> None:
    inbox, port = smtp
    client = await people.client(
        preferred_channel="email", email="ada@example.com", email_verified_at=VERIFIED, locale="de"
    )
    await plan(db, MORNING)
    await dispatch(db, utc(2026, 11, 24, 9, 0), EMAIL)
    assert await sender_for(db, port, http).drain_once() == 1

    [(envelope, email)] = inbox.messages
    assert envelope.rcpt_tos == ["ada@example.com"]
    link = str(email["List-Unsubscribe"]).strip().strip("<>")
    assert link.startswith(f"{http}{UNSUBSCRIBE_PATH}/{client.id}.")
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain = email.get_body(("plain",))
    rich = email.get_body(("html",))
    assert plain is not None and rich is not None
    assert link in plain.get_content() and link in rich.get_content()
    assert "Keine E-Mails mehr" in plain.get_content()  # the frame in the client's language

    async with aiohttp.ClientSession() as browser:
        forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
        async with browser.post(forged, data={"List-Unsubscribe": "One-Click"}) as response:
            assert response.status == 404
        assert (await stored(db, client.id)).email_unsubscribed_at is None
        async with browser.get(link) as response:
            page = await response.text()
            assert response.status == 200 and '<form method="post"' in page and "a***@example.com" in page
        assert (await stored(db, client.id)).email_unsubscribed_at is None  # a GET changes nothing
        # What a mail provider sends for RFC 8058 one-click.
        async with browser.post(link, data={"List-Unsubscribe": "One-Click"}) as response:
            assert response.status == 200 and "a***@example.com" in await response.text()
        async with browser.post(link, data={"List-Unsubscribe": "One-Click"}) as response:
            assert response.status == 200  # again: still fine, nothing more happens

    after = await stored(db, client.id)
    assert after.email_unsubscribed_at is not None and after.preferred_channel is None
    # The next reminder goes to the client's chat, not to the address.
    await plan(db, utc(2026, 11, 25, 6, 0))
    await dispatch(db, utc(2026, 11, 25, 9, 0), EMAIL)
    latest = (await outbox(db))[-1]
    assert (latest.platform, latest.chat_id) != ("email", "ada@example.com")


async def test_unconfirmed_address_gets_nothing(db: Database, people: People) -> None:
    client = await people.client(preferred_channel="email", email="typo@example.com")
    await plan(db, MORNING)
    await dispatch(db, utc(2026, 11, 24, 9, 0), EMAIL)
    [queued] = await outbox(db)
    assert queued.platform == "telegram"
    assert client.email_verified_at is None


async def test_receipt_goes_by_email_only_when_chosen_confirmed_and_possible(
    db: Database, people: People, smtp: tuple[Inbox, int], http: str, email_on: None
) -> None:
    inbox, port = smtp
    mailed = await people.client(
        preferred_channel="email", email="bo@example.com", email_verified_at=VERIFIED
    )
    chatting = await people.client(email="cy@example.com", email_verified_at=VERIFIED)
    message = client_message("Thank you! Your payment for Starter went through.")
    async with db.unit_of_work() as session:
        for client in (mailed, chatting):
            await enqueue_for_client(
                session, client.id, message, dedupe_key=f"paid:{client.id}", by_email=True
            )
        await enqueue_for_client(session, mailed.id, client_message("A coach reply"), dedupe_key="reply:1")
    rows = await outbox(db)
    assert [(r.platform, r.dedupe_key) for r in rows] == [
        ("email", f"paid:{mailed.id}"),
        ("telegram", f"paid:{chatting.id}"),
        ("telegram", "reply:1"),  # a conversation's reply stays in the chat
    ]
    sender = sender_for(db, port, http)
    async with db.unit_of_work() as session:
        token = unsubscribe_token(await unsubscribe_secret(session), mailed.id, "bo@example.com")
    assert rows[0].payload["unsubscribe_token"] == token
    await sender.drain_once()
    [(_envelope, email)] = inbox.messages
    assert email["Subject"].startswith("Thank you!") and token in email["List-Unsubscribe"]

    set_email_delivery(False)  # SMTP not configured in this process: the chat it is
    async with db.unit_of_work() as session:
        await enqueue_for_client(session, mailed.id, message, dedupe_key="paid:again", by_email=True)
    assert (await outbox(db))[-1].platform == "telegram"


async def test_announcement_goes_by_email_to_those_who_chose_it(
    db: Database, people: People, smtp: tuple[Inbox, int], http: str, email_on: None
) -> None:
    from conversations.announcement_wording import announcement_payload
    from domain.clock import utcnow
    from domain.services import announcements as ann

    inbox, port = smtp
    coach = await people.coach()
    mailed = await people.client(
        coach, preferred_channel="email", email="di@example.com", email_verified_at=VERIFIED
    )
    unconfirmed = await people.client(coach, preferred_channel="email", email="typo@example.com")
    async with db.unit_of_work() as session:
        await ann.create_announcement(
            session, coach_id=coach.id, text="Studio closed Friday", now=utcnow(), actor="test"
        )
    async with db.unit_of_work() as session:
        while await ann.expand_next_chunk(session, now=utcnow(), wording=announcement_payload):
            pass
    rows = {r.chat_id: r for r in await outbox(db)}
    assert rows["di@example.com"].platform == "email"
    assert rows["di@example.com"].payload["client_id"] == mailed.id
    assert "typo@example.com" not in rows and len(rows) == 2  # the unconfirmed one: their chat
    assert unconfirmed.email_verified_at is None
    await sender_for(db, port, http).drain_once()
    [(envelope, email)] = inbox.messages
    assert envelope.rcpt_tos == ["di@example.com"] and "Studio closed Friday" in str(
        email.get_body(("plain",))
    )
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
