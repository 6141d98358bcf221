from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.telegram_api import FakeTelegram


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
