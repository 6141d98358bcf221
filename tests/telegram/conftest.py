"""The local Bot API server, and the channel wired to it over both drivers and both update modes.

A test module that uses ``harness`` provides the ``handler`` behind the channel (a stand-in, or the
real engine)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from conversations.ports import ConversationHandler
from domain.db import Database
from tests.support.telegram_api import FakeTelegram
from tests.telegram.harness import Harness, start_harness


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture(params=["aiogram", "ptb"])
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["polling", "webhook"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def harness(
    db: Database,
    fake_telegram: FakeTelegram,
    handler: ConversationHandler,
    driver: str,
    mode: str,
    tmp_path: Path,
) -> AsyncIterator[Harness]:
    h = await start_harness(
        db, fake_telegram, handler, driver=driver, mode=mode, storage_dir=tmp_path / "files"
    )
    try:
        yield h
    finally:
        await h.stop()
