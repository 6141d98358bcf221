"""``coach run`` with Slack configured: the Bolt app on ``POST /slack/events`` (or Socket Mode with
``SLACK_APP_TOKEN``), the client-message relay, and the Slack transport on the shared sender."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiohttp import web

from bot.components import AppContext, Component, conversation_engine
from bot.inbox.component import shared_inbox
from bot.outbound.component import shared_sender
from bot.slack.app import SlackBot
from bot.slack.threads import RelayLoop

log = logging.getLogger(__name__)

HOUSEKEEPING_INTERVAL_S = 3600.0


class SlackComponent(Component):
    name = "slack"

    def __init__(self, ctx: AppContext) -> None:
        settings = ctx.settings
        assert settings.slack_bot_token
        self.sender = shared_sender(ctx)  # run by the OutboundComponent that build_components adds
        self.bot = SlackBot(
            db=ctx.db,
            bot_token=settings.slack_bot_token,
            signing_secret=settings.slack_signing_secret or "",
            handler=conversation_engine(ctx),  # started and stopped by the EngineComponent
            sender=self.sender,
            api_url=settings.slack_api_url,
            payments=ctx.payments,
            digests=ctx.insights,
            insights=ctx.insights,
            goal_ideas=ctx.insights,
            storage_dir=settings.storage_dir,
            inbox=shared_inbox(ctx),
        )
        self.app_token = settings.slack_app_token
        self.relay = RelayLoop(ctx.db, on_queued=self.sender.wake)
        self._socket: Any = None
        self._housekeeping: asyncio.Task[None] | None = None

    def install_routes(self, app: web.Application) -> None:
        if not self.app_token:
            self.bot.install_routes(app)

    async def start(self) -> None:
        self.relay.start()
        self._housekeeping = asyncio.create_task(self._forget_old_events(), name="slack-housekeeping")
        if self.app_token:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.bot.app, self.app_token)
            await self._socket.connect_async()
            log.info("Slack connected over Socket Mode")

    async def _forget_old_events(self) -> None:
        while True:
            try:
                await self.bot.forget_old_events()
            except Exception:
                log.exception("forgetting old Slack event ids failed")
            await asyncio.sleep(HOUSEKEEPING_INTERVAL_S)

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
        await self.relay.stop()
        if self._housekeeping is not None:
            self._housekeeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._housekeeping
        await self.bot.drain()
