"""The Telegram channel in ``coach run``: long polling by default, a webhook when
``COACH_TELEGRAM_WEBHOOK_URL`` is set (``POST /telegram/webhook``, secret-checked, answered at once)."""

from __future__ import annotations

import hmac
import logging
import secrets
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from bot.components import AppContext, Component, conversation_engine
from bot.config import Settings, TelegramDriver
from bot.outbound.component import shared_sender
from bot.outbound.sender import OutboundSender
from bot.outbound.transport import RateLimits
from bot.telegram.api import BotApi
from bot.telegram.callback_data import CallbackCodec
from bot.telegram.channel import TelegramChannel
from bot.telegram.files import FileStore
from bot.telegram.limits import TELEGRAM_LIMITS
from bot.telegram.transport import TelegramTransport
from conversations.ports import ConversationHandler
from domain.db import Database

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Driver(Protocol):
    name: str

    @property
    def api(self) -> BotApi: ...

    def attach(self, channel: TelegramChannel) -> None: ...

    async def start_polling(self) -> None: ...

    async def start_webhook_mode(self) -> None: ...

    def feed(self, data: dict[str, Any]) -> None: ...

    async def stop(self) -> None: ...


def build_driver(kind: TelegramDriver | str, token: str, api_root: str) -> Driver:
    if TelegramDriver(kind) is TelegramDriver.PTB:
        from bot.telegram.ptb_driver import PtbDriver

        return PtbDriver(token, api_root)
    from bot.telegram.aiogram_driver import AiogramDriver

    return AiogramDriver(token, api_root)


class TelegramComponent(Component):
    name = "telegram"

    def __init__(
        self,
        driver: Driver,
        channel: TelegramChannel,
        *,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
    ) -> None:
        self.driver = driver
        self.channel = channel
        self.webhook_url = webhook_url
        # Telegram allows A-Z, a-z, 0-9, _ and - (1-256 characters): token_urlsafe fits.
        self.webhook_secret = webhook_secret or secrets.token_urlsafe(32)

    def install_routes(self, app: web.Application) -> None:
        if self.webhook_url:
            app.router.add_post(WEBHOOK_PATH, self.webhook)

    async def start(self) -> None:
        if self.webhook_url:
            await self.driver.start_webhook_mode()
            await self.driver.api.set_webhook(self.webhook_url, self.webhook_secret)
            log.info("telegram webhook registered (%s driver)", self.driver.name)
        else:
            await self.driver.start_polling()
            log.info("telegram long polling started (%s driver)", self.driver.name)

    async def stop(self) -> None:
        await self.driver.stop()

    async def webhook(self, request: web.Request) -> web.Response:
        """Check the secret, hand the update over and answer at once: processing happens after, so
        Telegram's 60 s timeout never triggers a re-send."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook_secret.encode()):
            return web.json_response({"ok": False, "error": "wrong secret token"}, status=401)
        try:
            data = await request.json()
            update_id = int(data["update_id"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"ok": False, "error": "not a Telegram update"}, status=400)
        try:
            self.driver.feed(data)
        except Exception:
            # A malformed update is dropped (answering 200): a re-send would fail the same way.
            log.exception("could not read telegram update %s", update_id)
        return web.json_response({"ok": True})


def build_channel_for_api(
    db: Database,
    api: BotApi,
    handler: ConversationHandler,
    sender: OutboundSender,
    storage_dir: Path | str,
    *,
    limits: RateLimits = TELEGRAM_LIMITS,
) -> TelegramChannel:
    """The channel over any :class:`BotApi` (also a coach's own aiogram ``Bot`` or PTB application);
    registers the Telegram transport on the sender."""
    codec = CallbackCodec()
    sender.register(TelegramTransport(api, codec, limits=limits))
    return TelegramChannel(handler, sender, FileStore(db, api, Path(storage_dir)), codec)


def build_channel(
    db: Database,
    driver: Driver,
    handler: ConversationHandler,
    sender: OutboundSender,
    storage_dir: Path | str,
    *,
    limits: RateLimits = TELEGRAM_LIMITS,
) -> TelegramChannel:
    """Wire one of our drivers to the engine and the sender."""
    channel = build_channel_for_api(db, driver.api, handler, sender, storage_dir, limits=limits)
    driver.attach(channel)
    return channel


def telegram_component(ctx: AppContext) -> TelegramComponent:
    settings: Settings = ctx.settings
    assert settings.telegram_bot_token
    driver = build_driver(settings.telegram_driver, settings.telegram_bot_token, settings.telegram_api_url)
    # The shared engine is started and stopped by the EngineComponent; the sender by OutboundComponent.
    handler = conversation_engine(ctx)
    channel = build_channel(ctx.db, driver, handler, shared_sender(ctx), Path(settings.storage_dir))
    return TelegramComponent(
        driver,
        channel,
        webhook_url=settings.telegram_webhook_url,
        webhook_secret=settings.telegram_webhook_secret,
    )
