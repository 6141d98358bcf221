"""SMS end to end: Twilio-signed webhooks from a local phone into the inbox and the real engine, and
the engine's replies and reminders out through the local Twilio-shaped Messages API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import func, select

from domain.clock import utcnow
from domain.db import Database
from domain.models import CheckIn, InboxUpdate, OutboundMessage, SmsOptOut
from domain.reminders.dispatch import CHECKIN_TEXT, message_payload
from domain.reminders.preferences import set_client_reminder_preferences
from domain.services.outbox import enqueue_for_client
from domain.services.sms import set_sms_number
from tests.sms.harness import SmsHarness, sms_harness
from tests.support.chat import register, running_engine
from tests.support.twilio_api import FakeTwilio, fresh_sid

PHONE = "+4915112345678"
STRANGER = "+14155550123"


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    fake = await FakeTwilio().start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def harness(db: Database, twilio: FakeTwilio) -> AsyncIterator[SmsHarness]:
    async with running_engine(db) as engine, sms_harness(db, engine, twilio) as h:
        yield h


async def sms_client(db: Database) -> int:
    """A client whose reminders go by SMS to PHONE (as /settings leaves them)."""
    client_id = await register(db, "sam")
    async with db.unit_of_work() as session:
        await set_sms_number(session, client_id, "+49 151 1234-5678")
        await set_client_reminder_preferences(session, client_id, now=utcnow(), channel="sms")
    return client_id


async def remind(harness: SmsHarness, client_id: int, key: str) -> None:
    async with harness.sender.db.unit_of_work() as session:
        row = await enqueue_for_client(
            session, client_id, message_payload(CHECKIN_TEXT, [("Check in now", "/checkin")]), dedupe_key=key
        )
        assert row is not None and row.platform == "sms" and row.chat_id == PHONE
    harness.sender.wake()


async def test_a_reminder_by_sms_is_answered_by_text_through_the_engine(
    harness: SmsHarness, db: Database, twilio: FakeTwilio
) -> None:
    client_id = await sms_client(db)
    await remind(harness, client_id, "reminder:1")
    [reminder] = await twilio.wait_for(PHONE, 1)
    assert reminder.startswith(CHECKIN_TEXT) and "Reply with a number:\n1 Check in now" in reminder
    assert twilio.messages[0].sender == "+15005550006"

    # "1" presses the reminder's only button; then each answer is typed (numbers press the scale).
    for n, answer in enumerate(["1", "7", "6", "7h30", "yes", "Slept well, legs tired"], start=2):
        assert await harness.text(PHONE, answer) == 200
        await twilio.wait_for(PHONE, n)
    said = twilio.to(PHONE)
    assert "mood" in said[1] and "Reply with one of: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10" in said[1]
    assert "Reply with a number:\n1 Yes\n2 Partly\n3 No" in said[4]
    assert "Check-in saved" in said[-1]
    async with db.unit_of_work() as session:
        check_in = await session.scalar(select(CheckIn))
        assert check_in is not None and check_in.client_id == client_id
        assert (check_in.mood, check_in.energy, check_in.sleep_hours) == (7, 6, 7.5)
        assert check_in.note == "Slept well, legs tired" and check_in.source_channel == "sms"


async def test_a_resent_webhook_is_stored_and_answered_once(
    harness: SmsHarness, db: Database, twilio: FakeTwilio
) -> None:
    await sms_client(db)
    sid = fresh_sid()
    assert await harness.text(PHONE, "/checkin", message_sid=sid) == 200
    await twilio.wait_for(PHONE, 1)
    status, body = await twilio.text(harness.webhook_url, PHONE, "/checkin", message_sid=sid)
    assert status == 200 and "<Response>" in body
    await harness.text(PHONE, "/cancel")
    await twilio.wait_for(PHONE, 2)
    async with db.unit_of_work() as session:
        stored = await session.scalar(select(func.count()).select_from(InboxUpdate))
    assert stored == 2 and len(twilio.to(PHONE)) == 2  # the mood question once, then the cancel


@pytest.mark.parametrize(
    "signature",
    ["", "bm90IGEgc2lnbmF0dXJl", "forged-with-another-token"],
    ids=["missing", "garbage", "wrong-token"],
)
async def test_a_bad_signature_is_refused_and_never_stored(
    harness: SmsHarness, db: Database, twilio: FakeTwilio, signature: str
) -> None:
    await sms_client(db)
    if signature == "forged-with-another-token":
        status, _ = await twilio.text(harness.webhook_url, PHONE, "/checkin", token="not-the-auth-token")
    else:
        status, _ = await twilio.text(harness.webhook_url, PHONE, "/checkin", signature=signature)
    assert status == 403
    # A signed request whose body was changed afterwards is refused too.
    form = {"MessageSid": fresh_sid(), "AccountSid": twilio.account_sid, "From": PHONE, "Body": "hi"}
    headers = twilio.signed(harness.webhook_url, form)
    async with (
        aiohttp.ClientSession() as http,
        http.post(harness.webhook_url, data={**form, "Body": "/forget_me"}, headers=headers) as response,
    ):
        assert response.status == 403
    async with db.unit_of_work() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 0
    assert twilio.messages == []


async def test_stop_suppresses_every_sms_until_start_and_help_is_answered(
    harness: SmsHarness, db: Database, twilio: FakeTwilio
) -> None:
    client_id = await sms_client(db)
    assert await harness.text(PHONE, " Stop ") == 200
    async with db.unit_of_work() as session:
        assert (await session.scalar(select(SmsOptOut.phone_number))) == PHONE
    await remind(harness, client_id, "reminder:stopped")
    assert await harness.text(PHONE, "/checkin") == 200  # handled, but the answer is not sent
    async with asyncio.timeout(10):  # the reminder and the mood question: both given up, unsent
        while True:
            async with db.unit_of_work() as session:
                query = select(OutboundMessage.status).where(OutboundMessage.chat_id == PHONE)
                statuses = (await session.scalars(query)).all()
            if len(statuses) == 2 and set(statuses) == {"failed"}:
                break
            await asyncio.sleep(0.05)
    assert twilio.messages == []  # STOP gets no answer from us (Twilio confirms it)

    assert await harness.text(PHONE, "START") == 200
    await remind(harness, client_id, "reminder:started")
    [reminder] = await twilio.wait_for(PHONE, 1)
    assert reminder.startswith(CHECKIN_TEXT)
    assert await harness.text(PHONE, "help") == 200
    *_, help_text = await twilio.wait_for(PHONE, 2)
    assert "STOP" in help_text and "START" in help_text


async def test_texts_from_unknown_numbers_reach_nobody(
    harness: SmsHarness, db: Database, twilio: FakeTwilio
) -> None:
    await sms_client(db)
    assert await harness.text(STRANGER, "/start") == 200
    assert await harness.text(STRANGER, "HELP") == 200  # a stranger may still ask what this is
    [help_text] = await twilio.wait_for(STRANGER, 1)
    assert "STOP" in help_text
    async with db.unit_of_work() as session:
        stored = (await session.scalars(select(InboxUpdate.status))).all()
    assert stored == ["handled", "handled"]


@pytest.mark.parametrize(
    ("body", "signed", "status"),
    [
        (b"\xff\xfe not utf-8", False, 400),
        (b"Body=" + b"x" * (70 * 1024), False, 413),
        (b"a=1&&&=", False, 400),
        (b"Body=hi", False, 403),
        (b"Body=hi&From=%2B4915112345678", True, 400),  # signed, but no MessageSid
        (b"MessageSid=SM1&From=not-a-number&Body=hi", True, 400),
        (b"MessageSid=" + b"S" * 65 + b"&From=%2B4915112345678&Body=hi", True, 400),
    ],
    ids=["not-utf8", "too-large", "malformed-form", "unsigned", "no-sid", "bad-from", "long-sid"],
)
async def test_malformed_requests_get_a_4xx_and_store_nothing(
    harness: SmsHarness, db: Database, twilio: FakeTwilio, body: bytes, signed: bool, status: int
) -> None:
    from urllib.parse import parse_qsl

    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signed:
        headers |= twilio.signed(harness.webhook_url, dict(parse_qsl(body.decode())))
    async with (
        aiohttp.ClientSession() as http,
        http.post(harness.webhook_url, data=body, headers=headers) as response,
    ):
        assert response.status == status
    async with db.unit_of_work() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 0
