"""The Telegram channel in ``coach run``: long polling by default, a webhook when
``COACH_TELEGRAM_WEBHOOK_URL`` is set (``POST /telegram/webhook``, secret-checked).

Either way an update is stored in the inbox before Telegram hears it was received (the polling offset
moves past stored updates only; the webhook answers 200 once stored, 503 when it cannot store, so
Telegram re-sends), and it is handled from there by the inbox processor through the driver's own
Dispatcher or Application.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from bot.components import AppContext, Component, conversation_engine
from bot.config import Settings, TelegramDriver
from bot.http import door
from bot.inbox.component import shared_inbox
from bot.inbox.processor import InboxProcessor
from bot.outbound.component import shared_sender
from bot.outbound.sender import OutboundSender
from bot.outbound.transport import RateLimits
from bot.telegram.api import BotApi
from bot.telegram.callback_data import CallbackCodec
from bot.telegram.channel import STORED_UPDATE, StoredDispatch, TelegramChannel
from bot.telegram.files import FileStore
from bot.telegram.inbound import stored_update
from bot.telegram.limits import PLATFORM, TELEGRAM_LIMITS
from bot.telegram.polling import UpdatePoller
from bot.telegram.transport import TelegramTransport
from bot.voice import VoiceNotes, transcriber
from conversations.cohort_groups import CohortGroups
from conversations.ports import ConversationHandler, Transcriber
from domain.clock import utcnow
from domain.db import Database
from domain.services.inbox import LeasedUpdate, store_updates

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = door.TELEGRAM_SECRET_HEADER
ID_MAX_CHARS = 128  # inbox_updates.lane and .external_user_id


class Driver(Protocol):
    name: str

    @property
    def api(self) -> BotApi: ...

    def attach(self, channel: TelegramChannel) -> None: ...

    async def start(self) -> None: ...

    async def fetch_updates(self, offset: int | None, poll_seconds: int) -> list[dict[str, Any]]: ...

    async def process(self, update: dict[str, Any]) -> None: ...

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
        inbox: InboxProcessor,
        *,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
    ) -> None:
        self.driver = driver
        self.channel = channel
        self.inbox = inbox
        self.db = channel.files.db
        self.webhook_url = webhook_url
        # Telegram allows A-Z, a-z, 0-9, _ and - (1-256 characters): token_urlsafe fits.
        self.webhook_secret = webhook_secret or secrets.token_urlsafe(32)
        self.poller = UpdatePoller(driver, self.db, inbox.wake)
        self._accepting = False
        inbox.register(PLATFORM, self.handle_stored)

    def install_routes(self, app: web.Application) -> None:
        if self.webhook_url:
            app.router.add_post(WEBHOOK_PATH, self.webhook)

    async def start(self) -> None:
        await self.driver.start()
        self._accepting = True
        if self.webhook_url:
            await self.driver.api.set_webhook(self.webhook_url, self.webhook_secret)
            log.info("telegram webhook registered (%s driver)", self.driver.name)
        else:
            await self.driver.api.delete_webhook()  # getUpdates is refused while a webhook is set
            self.poller.start()
            log.info("telegram long polling started (%s driver)", self.driver.name)

    async def stop_intake(self) -> None:
        self._accepting = False
        await self.poller.stop()

    async def stop(self) -> None:
        await self.stop_intake()
        await self.driver.stop()

    async def webhook(self, request: web.Request) -> web.Response:
        """Check the secret, store the update, answer. 200 only once it is stored; 503 when it cannot
        be (database down, stopping), so Telegram re-sends it later."""
        try:
            # The door: size cap, the secret token, then JSON within limits, cleaned of NUL and
            # control characters before it is stored.
            data = await door.parse_json_body(
                request,
                door.TELEGRAM_LIMITS,
                check=lambda _body: door.check_telegram_secret(request.headers, self.webhook_secret),
                clean=True,
            )
            row = stored_update(data)
            if len(row.lane) > ID_MAX_CHARS or len(row.external_user_id or "") > ID_MAX_CHARS:
                raise ValueError("id too long")
        except door.Refused as refused:
            return await door.refuse(self.db, "telegram", refused)
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
            return await door.refuse(self.db, "telegram", door.Refused(400, "not a Telegram update"))
        if not self._accepting:
            return web.json_response({"ok": False, "error": "shutting down"}, status=503)
        try:
            async with self.db.unit_of_work() as session:
                await store_updates(session, [row], utcnow())
        except Exception as exc:
            log.warning("could not store telegram update: %s", type(exc).__name__)
            return web.json_response({"ok": False, "error": "try again later"}, status=503)
        self.inbox.wake()
        return web.json_response({"ok": True})

    async def handle_stored(self, update: LeasedUpdate) -> None:
        """Dispatch one stored update through the driver; raise what the channel reports, so the
        inbox tries it again."""
        dispatch = StoredDispatch(update.key)
        token = STORED_UPDATE.set(dispatch)
        try:
            await self.driver.process(update.payload)
        finally:
            STORED_UPDATE.reset(token)
        if dispatch.error is not None:
            raise dispatch.error


def build_channel_for_api(
    db: Database,
    api: BotApi,
    handler: ConversationHandler,
    sender: OutboundSender,
    storage_dir: Path | str,
    *,
    limits: RateLimits = TELEGRAM_LIMITS,
    transcriber: Transcriber | None = None,
) -> TelegramChannel:
    """The channel over any :class:`BotApi` (also a coach's own aiogram ``Bot`` or PTB application);
    registers the Telegram transport on the sender. With a ``transcriber`` clients' voice notes are
    transcribed before the engine sees them."""
    codec = CallbackCodec()
    sender.register(TelegramTransport(api, codec, limits=limits))
    voice = VoiceNotes(db, transcriber)
    channel = TelegramChannel(handler, sender, FileStore(db, api, Path(storage_dir)), codec, voice)
    channel.groups = CohortGroups(db)
    return channel


def build_channel(
    db: Database,
    driver: Driver,
    handler: ConversationHandler,
    sender: OutboundSender,
    storage_dir: Path | str,
    *,
    limits: RateLimits = TELEGRAM_LIMITS,
    transcriber: Transcriber | None = None,
) -> TelegramChannel:
    """Wire one of our drivers to the engine and the sender."""
    channel = build_channel_for_api(
        db, driver.api, handler, sender, storage_dir, limits=limits, transcriber=transcriber
    )
    driver.attach(channel)
    return channel


def telegram_component(ctx: AppContext) -> TelegramComponent:
    settings: Settings = ctx.settings
    assert settings.telegram_bot_token
    driver = build_driver(settings.telegram_driver, settings.telegram_bot_token, settings.telegram_api_url)
    # The shared engine is started and stopped by the EngineComponent; the sender by OutboundComponent.
    handler = conversation_engine(ctx)
    channel = build_channel(
        ctx.db, driver, handler, shared_sender(ctx), Path(settings.storage_dir), transcriber=transcriber(ctx)
    )
    return TelegramComponent(
        driver,
        channel,
        shared_inbox(ctx),
        webhook_url=settings.telegram_webhook_url,
        webhook_secret=settings.telegram_webhook_secret_token,
    )
