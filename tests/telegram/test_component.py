"""``coach run`` with Telegram configured: the components from the settings, polling by default,
webhook when COACH_TELEGRAM_WEBHOOK_URL is set, with either driver."""

from __future__ import annotations

import socket

import pytest

from bot.config import load_settings
from bot.outbound.component import OutboundComponent
from bot.runtime import Service
from bot.telegram.component import TelegramComponent
from domain.db import Database
from tests.support.telegram_api import FakeTelegram


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("driver", ["aiogram", "ptb"])
@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_coach_run_talks_to_telegram(
    db: Database, fake_telegram: FakeTelegram, driver: str, mode: str
) -> None:
    port = _free_port()
    webhook_url = f"http://127.0.0.1:{port}/telegram/webhook" if mode == "webhook" else None
    settings = load_settings(
        database_url=db.url,
        http_port=port,
        telegram_bot_token=fake_telegram.token,
        telegram_api_url=fake_telegram.root,
        telegram_driver=driver,
        telegram_webhook_url=webhook_url,
    )
    service = Service(settings, interactive_console=False)
    await service.start()
    try:
        kinds = [type(c) for c in service.components]
        assert TelegramComponent in kinds and OutboundComponent in kinds
        telegram = next(c for c in service.components if isinstance(c, TelegramComponent))
        assert telegram.driver.name == driver
        if mode == "webhook":
            assert fake_telegram.webhook_url == webhook_url
            assert fake_telegram.webhook_secret == telegram.webhook_secret  # generated: none was configured
            assert len(telegram.webhook_secret) >= 32
        await fake_telegram.send_text(900, "/start")
        await fake_telegram.wait_for(lambda: bool(fake_telegram.sent(900)))
        markup = fake_telegram.sent(900)[0].params.get("reply_markup") or {}
        labels = [b["text"] for row in markup.get("inline_keyboard", []) for b in row]
        assert "Accept" in labels
        if mode == "webhook":
            assert [d.status for d in fake_telegram.webhook_deliveries] == [200]
        else:
            assert fake_telegram.calls_to("getUpdates")
    finally:
        await service.stop()
