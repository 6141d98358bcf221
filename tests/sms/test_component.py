"""``coach run`` with Twilio configured: the webhook is served, SMS is a /settings channel, and a
client's text comes back as an SMS through the service's own inbox, engine and sender."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import load_settings
from bot.conversation_setup import delivery_channels
from bot.runtime import Service
from domain.clock import utcnow
from domain.db import Database
from domain.reminders.preferences import set_client_reminder_preferences
from domain.services.sms import set_sms_number
from tests.support.chat import register
from tests.support.twilio_api import FROM_NUMBER, FakeTwilio

PHONE = "+4915112345678"


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    fake = await FakeTwilio().start()
    try:
        yield fake
    finally:
        await fake.stop()


async def test_coach_run_serves_sms_end_to_end(db: Database, twilio: FakeTwilio) -> None:
    settings = load_settings(
        COACH_DATABASE_URL=db.url,
        COACH_HTTP_PORT=0,
        TWILIO_ACCOUNT_SID=twilio.account_sid,
        TWILIO_AUTH_TOKEN=twilio.auth_token,
        COACH_TWILIO_FROM=FROM_NUMBER,
        COACH_TWILIO_API_URL=twilio.root,
    )
    assert "sms" in delivery_channels(settings)
    client_id = await register(db, "sam")
    async with db.unit_of_work() as session:
        await set_sms_number(session, client_id, PHONE)
        await set_client_reminder_preferences(session, client_id, now=utcnow(), channel="sms")
    service = Service(settings, interactive_console=False)
    await service.start()
    try:
        assert "sms" in [c.name for c in service.components]
        webhook = f"http://127.0.0.1:{service.port}/sms/webhook"
        assert (await twilio.text(webhook, PHONE, "/checkin"))[0] == 200
        [question] = await twilio.wait_for(PHONE, 1)
        assert "mood" in question and "Reply with one of: 1, 2" in question
        assert (await twilio.text(webhook, PHONE, "/checkin", token="forged"))[0] == 403
    finally:
        await service.stop()
