from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.outbound.transport import RateLimits
from bot.telegram.aiogram_driver import AiogramDriver
from bot.telegram.callback_data import CallbackCodec
from bot.telegram.transport import TelegramTransport
from tests.support.telegram_api import FakeTelegram


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def make_transport(fake_telegram: FakeTelegram) -> AsyncIterator[object]:
    """Real Telegram transports (aiogram over HTTP to the fixture) with the limits a test picks."""
    drivers: list[AiogramDriver] = []

    def make(limits: RateLimits) -> TelegramTransport:
        driver = AiogramDriver(fake_telegram.token, fake_telegram.root)
        drivers.append(driver)
        return TelegramTransport(driver.api, CallbackCodec(), limits=limits)

    yield make
    for driver in drivers:
        await driver.bot.session.close()
