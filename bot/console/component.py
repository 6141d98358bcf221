"""``coach run`` with no chat platform configured: chat with the bot in the terminal right away.

The console owns the terminal then: log records go to :data:`CONSOLE_LOG_FILE` instead of being mixed
into the chat, proactive messages (reminders, the coach's replies) are printed as they come through
the console transport, and end of input (Ctrl-D) stops the service like Ctrl-C, since the console is
the only way to reach it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from bot.components import AppContext, Component, conversation_engine
from bot.config import Settings
from bot.console.channel import ConsoleChat
from bot.console.transport import ConsoleTransport, HeldMessages
from bot.logs import ErrorCounter, PrivacyFilter
from bot.outbound.component import shared_sender
from conversations.texts import Console as T

CONSOLE_USER = "local"
# Where `coach run` logs while its console chat has the terminal (relative to the working directory).
CONSOLE_LOG_FILE = Path("coach.log")


def console_runs(settings: Settings, interactive: bool) -> bool:
    """Whether ``coach run`` starts its console chat: a terminal, and no chat platform configured."""
    return interactive and not (settings.telegram_enabled or settings.slack_enabled)


def log_to_file(path: Path = CONSOLE_LOG_FILE) -> None:
    """Send every log record to ``path`` (same format and level), keeping the terminal for the chat."""
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    formatter = next((h.formatter for h in root.handlers if h.formatter is not None), None)
    handler.setFormatter(formatter or logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PrivacyFilter())  # the file keeps personal data out like the terminal log
    root.handlers[:] = [handler, *(h for h in root.handlers if isinstance(h, ErrorCounter))]


def _stop_service() -> None:
    # The runtime stops on SIGINT (Ctrl-C); end of input in its only console means the same.
    signal.raise_signal(signal.SIGINT)


class ConsoleComponent(Component):
    name = "console"

    def __init__(self, ctx: AppContext, *, on_closed: Callable[[], None] = _stop_service) -> None:
        self.ctx = ctx
        self.on_closed = on_closed
        self.transport = ConsoleTransport()
        # Proactive messages to this console go through the shared sender like any other platform.
        shared_sender(ctx).register(self.transport)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        chat = ConsoleChat(
            conversation_engine(self.ctx),
            user=CONSOLE_USER,
            held=HeldMessages(self.ctx.db, CONSOLE_USER),
            greet=True,
        )
        self.transport.open(CONSOLE_USER, chat.show_proactive)
        sys.stdout.write(T.STARTED.format(log=CONSOLE_LOG_FILE) + "\n")
        sys.stdout.flush()
        self._task = asyncio.create_task(self._run(chat))

    async def _run(self, chat: ConsoleChat) -> None:
        await chat.run()
        self.transport.close(CONSOLE_USER)
        sys.stdout.write(T.CLOSED_STOPPING + "\n")
        sys.stdout.flush()
        self.on_closed()

    async def stop(self) -> None:
        self.transport.close(CONSOLE_USER)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
