"""``coach chat --user ID [--name NAME]``: talk to the bot in the terminal as ``console:ID``."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from bot.cli.common import CliError, settings
from bot.components import AppContext, conversation_engine
from bot.console.channel import ConsoleChat
from bot.logs import configure_logging
from domain.db import Database


def chat(
    user: Annotated[str, typer.Option("--user", help="Your console identity (console:ID)")],
    name: Annotated[str | None, typer.Option("--name", help="Your display name")] = None,
) -> None:
    """Chat with the bot in this terminal; reads stdin until end of input."""
    from bot.runtime import NotMigrated, ensure_migrated

    config = settings()
    # Replies go to stdout; only warnings go to stderr so transcripts stay clean.
    configure_logging("WARNING", config.log_format.value)
    logging.getLogger().setLevel(logging.WARNING)

    async def _run() -> None:
        db = Database(config.database_url)
        ctx = AppContext(settings=config, db=db)
        engine = conversation_engine(ctx)
        try:
            await ensure_migrated(db)
            await engine.start()
            await ConsoleChat(engine, user=user, name=name).run()
        finally:
            await engine.stop()
            await db.dispose()

    try:
        asyncio.run(_run())
    except NotMigrated as exc:
        raise CliError(str(exc)) from None
