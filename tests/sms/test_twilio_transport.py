"""The Twilio transport against the local Messages API: rendering, errors, limits, opt-outs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.outbound.transport import DeliveryError
from conversations.messages import Button, OutgoingFile, OutgoingMessage, UrlButton
from domain.db import Database
from domain.services.sms import opt_out
from integrations.sms.twilio_transport import (
    SMS_BODY_MAX,
    SMS_LIMITS,
    SMS_PER_NUMBER_INTERVAL_S,
    SMS_PER_NUMBER_PER_MINUTE,
    TwilioSmsTransport,
    render_sms,
)
from tests.support.twilio_api import FROM_NUMBER, FakeTwilio, Fault

TO = "+4915112345678"


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    fake = await FakeTwilio().start()
    try:
        yield fake
    finally:
        await fake.stop()


def transport(db: Database, twilio: FakeTwilio, *, token: str | None = None) -> TwilioSmsTransport:
    return TwilioSmsTransport(
        db,
        account_sid=twilio.account_sid,
        auth_token=token or twilio.auth_token,
        sender=FROM_NUMBER,
        api_url=twilio.root,
    )


async def test_a_message_goes_to_the_messages_api_as_plain_text(db: Database, twilio: FakeTwilio) -> None:
    message = OutgoingMessage(
        "Did you stick to your plan?",
        buttons=((Button("Yes", "yes"), Button("No", "no")),),
        url_buttons=(UrlButton("Pay", "https://pay.example.com/x"),),
        files=(OutgoingFile("plan.ics", b"BEGIN:VCALENDAR"),),
    )
    sid = await transport(db, twilio).deliver(TO, message)
    [sent] = twilio.messages
    assert sid == sent.sid and sent.sid.startswith("SM")
    assert (sent.to, sent.sender) == (TO, FROM_NUMBER)
    assert (
        sent.body
        == "Did you stick to your plan?\n\nReply with a number:\n1 Yes\n2 No\n\nPay: https://pay.example.com/x"
    )


def test_bodies_are_clipped_to_twilios_limit() -> None:
    assert len(render_sms(OutgoingMessage("x" * 5000))) == SMS_BODY_MAX == 1600
    assert render_sms(OutgoingMessage("Pause?", buttons=((Button("3 days", "3"),),))).endswith(
        "Reply with one of: 3 days"
    )


def test_per_number_limits_are_the_named_constants() -> None:
    assert SMS_LIMITS.per_chat_interval_s == SMS_PER_NUMBER_INTERVAL_S
    assert SMS_LIMITS.group_per_minute == SMS_PER_NUMBER_PER_MINUTE
    # The sender applies the per-minute cap to "group" chats: every number is one.
    assert TwilioSmsTransport.is_group_chat(None, TO)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fault", "permanent", "unreachable", "retry_after"),
    [
        (Fault(400, 21610, "Attempt to send to unsubscribed recipient"), True, False, None),
        (Fault(400, 21211, "Invalid 'To' Phone Number"), True, True, None),
        (Fault(429, 20429, "Too Many Requests"), False, False, 30.0),
        (Fault(503, 20500, "Service unavailable"), False, False, None),
    ],
    ids=["unsubscribed", "invalid-number", "rate-limited", "server-error"],
)
async def test_twilio_errors_become_delivery_decisions(
    db: Database,
    twilio: FakeTwilio,
    fault: Fault,
    permanent: bool,
    unreachable: bool,
    retry_after: float | None,
) -> None:
    twilio.faults.append(fault)
    with pytest.raises(DeliveryError) as failed:
        await transport(db, twilio).deliver(TO, OutgoingMessage("hi"))
    assert (failed.value.permanent, failed.value.unreachable, failed.value.retry_after) == (
        permanent,
        unreachable,
        retry_after,
    )


async def test_wrong_credentials_are_permanent(db: Database, twilio: FakeTwilio) -> None:
    with pytest.raises(DeliveryError, match="TWILIO_AUTH_TOKEN") as failed:
        await transport(db, twilio, token="wrong").deliver(TO, OutgoingMessage("hi"))
    assert failed.value.permanent and twilio.refused_auth == 1


async def test_an_opted_out_number_gets_nothing(db: Database, twilio: FakeTwilio) -> None:
    async with db.unit_of_work() as session:
        await opt_out(session, TO, "STOP")
    with pytest.raises(DeliveryError, match="STOP") as failed:
        await transport(db, twilio).deliver(TO, OutgoingMessage("hi"))
    assert failed.value.permanent and twilio.messages == []


async def test_the_frame_is_in_the_clients_language(db: Database, twilio: FakeTwilio) -> None:
    from domain.models import Client
    from domain.services.sms import set_sms_number
    from tests.support.chat import register

    client_id = await register(db, "greta")
    async with db.unit_of_work() as session:
        client = await session.get(Client, client_id)
        assert client is not None
        client.locale = "de"
        await set_sms_number(session, client_id, TO)
    message = OutgoingMessage("Hast du dich an deinen Plan gehalten?", buttons=((Button("Ja", "yes"),),))
    await transport(db, twilio).deliver(TO, message)
    assert twilio.messages[0].body.endswith("Antworte mit einer Zahl:\n1 Ja")
