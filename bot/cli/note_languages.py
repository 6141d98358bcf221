"""``coach db note-languages``: store the language of notes written before languages were stored."""

from __future__ import annotations

import typer

from bot.cli.admin import db_app
from bot.cli.common import with_database
from domain.db import Database
from domain.services.checkins import backfill_note_languages


@db_app.command("note-languages")
def db_note_languages() -> None:
    """Detect and store the language of check-in notes written before migration 0034, so digests need
    not detect them (about 10 ms a note; safe while the service runs)."""

    async def work(db: Database) -> int:
        return await backfill_note_languages(
            db, progress=lambda done: typer.echo(f"{done} notes so far", err=True)
        )

    filled = with_database(work)
    typer.echo(f"{filled} notes given their language")
