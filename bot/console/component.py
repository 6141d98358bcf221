"""``coach run`` with no chat platform configured: chat with the bot in the terminal right away."""

from __future__ import annotations

import asyncio
import contextlib
import sys

from bot.components import AppContext, Component, conversation_engine
from bot.console.channel import ConsoleChat

CONSOLE_USER = "local"


class ConsoleComponent(Component):
    name = "console"

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        chat = ConsoleChat(conversation_engine(self.ctx), user=CONSOLE_USER)
        sys.stdout.write("Console chat (no Telegram or Slack configured): type a message, e.g. /start\n")
        sys.stdout.flush()
        self._task = asyncio.create_task(chat.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
