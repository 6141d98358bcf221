"""``coach coaches set-capacity``: the most active clients a coach takes."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.admin import coaches_app
from bot.cli.common import with_database
from domain.db import Database
from domain.services.capacity import set_capacity

UNLIMITED = "none"


@coaches_app.command("set-capacity")
def coaches_set_capacity(
    coach: Annotated[int, typer.Argument(help="Coach id")],
    capacity: Annotated[
        str, typer.Argument(help=f"Most active clients (1 or more), or {UNLIMITED} for no limit")
    ],
) -> None:
    """Set how many active clients a coach takes; new clients without an invite go to coaches with room."""
    if capacity.strip().lower() == UNLIMITED:
        limit = None
    elif capacity.strip().isdigit():
        limit = int(capacity)
    else:
        raise typer.BadParameter(f"a whole number of clients, or {UNLIMITED}", param_hint="CAPACITY")

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            found = await set_capacity(session, coach, limit, actor="admin")
            return f"coach {found.id} ({found.name}) takes {'any number of' if found.capacity is None else found.capacity} active clients"

    typer.echo(with_database(work))
