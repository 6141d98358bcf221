"""Email through the outbound sender to a real local SMTP server, with HTML and plain-text parts."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.outbound.sender import OutboundSender
from bot.outbound.transport import DeliveryError
from conversations.messages import Button, OutgoingFile, OutgoingMessage, UrlButton
from domain.db import Database
from domain.models.enums import DeliveryStatus
from integrations.email import EmailTransport, SmtpConfig
from tests.reminders.conftest import outbox
from tests.reminders.smtp_server import Inbox, self_signed_context, start_smtp


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, int]]:
    inbox = Inbox()
    server, port = await start_smtp(inbox)
    yield inbox, port
    server.close()
    await server.wait_closed()


def transport(port: int, *, starttls: bool = False) -> EmailTransport:
    config = SmtpConfig(host="127.0.0.1", port=port, sender="coach@example.com", starttls=starttls)
    return EmailTransport(config, validate_certs=False)


async def test_queued_email_is_delivered_with_html_and_text(db: Database, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    sender = OutboundSender(db)
    sender.register(transport(port))
    message = OutgoingMessage(
        "Time for your check-in.\nIt takes <1 minute.",
        buttons=((Button("Check in now", "/checkin"),),),
        url_buttons=(UrlButton("Open", "https://example.com/a?b=1&c=2"),),
        files=(
            OutgoingFile("checkin-schedule.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"),
        ),
    )
    await sender.enqueue("email", "ada@example.com", message, dedupe_key="reminder:1")
    await sender.enqueue("email", "ada@example.com", message, dedupe_key="reminder:1")  # a retry: once
    assert await sender.drain_once() == 1
    assert await sender.drain_once() == 0

    [(envelope, email)] = inbox.messages
    assert envelope.mail_from == "coach@example.com" and envelope.rcpt_tos == ["ada@example.com"]
    assert email["Subject"] == "Time for your check-in."
    plain = email.get_body(("plain",))
    rich = email.get_body(("html",))
    assert plain is not None and rich is not None
    assert "It takes <1 minute." in plain.get_content() and "send /checkin in chat" in plain.get_content()
    html = rich.get_content()
    assert "It takes &lt;1 minute." in html and 'href="https://example.com/a?b=1&amp;c=2"' in html
    [attachment] = list(email.iter_attachments())
    assert attachment.get_filename() == "checkin-schedule.ics"
    assert attachment.get_content_type() == "text/calendar"
    [row] = await outbox(db)
    assert row.status == DeliveryStatus.SENT and row.provider_message_id == email["Message-ID"]


async def test_digest_payload_subject(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    payload = OutgoingMessage("Your daily digest: 2 active client(s).").to_dict() | {
        "subject": "Daily digest"
    }
    await transport(port).deliver_payload("coach@example.com", payload)
    assert inbox.messages[0][1]["Subject"] == "Daily digest"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a test certificate")
async def test_starttls(tmp_path: Path) -> None:
    inbox = Inbox()
    server, port = await start_smtp(inbox, tls_context=self_signed_context(tmp_path))
    try:
        await transport(port, starttls=True).deliver("ada@example.com", OutgoingMessage("Hello"))
        with pytest.raises(DeliveryError) as refused:  # the server insists on STARTTLS
            await transport(port, starttls=False).deliver("ada@example.com", OutgoingMessage("Hello"))
        assert refused.value.permanent
    finally:
        server.close()
        await server.wait_closed()
    assert len(inbox.messages) == 1 and inbox.tls_sessions == 1


async def test_unreachable_server_is_a_retryable_error() -> None:
    inbox = Inbox()
    server, port = await start_smtp(inbox)
    server.close()
    await server.wait_closed()
    with pytest.raises(DeliveryError) as failed:
        await transport(port).deliver("ada@example.com", OutgoingMessage("Hello"))
    assert not failed.value.permanent
