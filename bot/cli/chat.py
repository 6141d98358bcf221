"""``coach chat --user ID [--name NAME]``: talk to the bot in the terminal as ``console:ID``.

It loads the same commands, flows and integrations as ``coach run`` (``bot.conversation_setup``), so the
console is the same bot; messages queued for this console chat while it was closed are shown first.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Annotated

import typer

from bot.cli.common import require_migrated, settings
from bot.components import AppContext
from bot.console.channel import ConsoleChat
from bot.console.transport import HeldMessages
from bot.conversation_setup import prepare_conversations
from bot.logs import configure_logging
from domain.db import Database


def chat(
    user: Annotated[str, typer.Option("--user", help="Your console identity (console:ID)")],
    name: Annotated[str | None, typer.Option("--name", help="Your display name")] = None,
) -> None:
    """Chat with the bot in this terminal; reads stdin until end of input (Ctrl-D)."""
    config = settings()
    # Replies go to stdout; only warnings go to stderr so transcripts stay clean.
    configure_logging("WARNING", config.log_format.value)
    logging.getLogger().setLevel(logging.WARNING)

    async def _run() -> None:
        db = Database(config.database_url)
        try:
            await require_migrated(db)
            ctx = AppContext(settings=config, db=db)
            engine = prepare_conversations(ctx)
            try:
                await engine.start()
                console = ConsoleChat(
                    engine, user=user, name=name, held=HeldMessages(db, user), greet=sys.stdin.isatty()
                )
                await console.run()
            finally:
                await engine.stop()
                close = getattr(ctx.insights, "close", None)
                if close is not None:
                    await close()
        finally:
            await db.dispose()

    asyncio.run(_run())
