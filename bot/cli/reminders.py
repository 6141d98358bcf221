"""``coach reminders``: who would be reminded at a given minute, and the stored reminder rows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from bot.cli.common import identity_option, print_table, with_database
from domain.clock import ensure_utc
from domain.db import Database
from domain.reminders import list_reminders, reminders_due_at
from domain.services import clients as client_service

reminders_app = typer.Typer(help="Check-in reminders and coach digests.", no_args_is_help=True)


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"not an ISO-8601 instant: {value!r}") from None
    if parsed.tzinfo is None:
        raise typer.BadParameter("give an instant with its offset, e.g. 2026-03-29T07:00Z") from None
    return ensure_utc(parsed)


@reminders_app.command("due")
def due(
    at: Annotated[str, typer.Option("--at", help="ISO-8601 instant with offset, e.g. 2026-03-29T07:00Z")],
) -> None:
    """Who would be reminded in the minute starting at --at, and why."""
    instant = _instant(at)

    async def work(db: Database) -> list[list[object]]:
        async with db.unit_of_work() as session:
            return [
                [
                    d.due_at.isoformat(timespec="minutes"),
                    d.kind,
                    d.who,
                    "send" if d.would_send else "skip",
                    d.why,
                ]
                for d in await reminders_due_at(session, instant)
            ]

    rows = with_database(work)
    if not rows:
        typer.echo(f"nobody is due at {instant.isoformat(timespec='minutes')}")
        return
    print_table(["due (UTC)", "kind", "recipient", "action", "why"], rows)


@reminders_app.command("list")
def list_command(
    identity: Annotated[
        str | None, typer.Option("--identity", help="PLATFORM:EXTERNAL_ID", callback=identity_option)
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Most recent rows")] = 50,
) -> None:
    """Stored reminders, latest due first (one client's with --identity)."""

    async def work(db: Database) -> list[list[object]]:
        async with db.unit_of_work() as session:
            client_id = None
            if identity is not None:
                client_id = (await client_service.resolve_client(session, identity=identity)).id
            return [
                [
                    r.id,
                    r.kind,
                    f"client:{r.client_id}" if r.client_id else f"coach:{r.coach_id}",
                    ensure_utc(r.due_at).isoformat(timespec="minutes"),
                    r.status,
                    r.attempts,
                    r.last_error or "",
                ]
                for r in await list_reminders(session, client_id=client_id, limit=limit)
            ]

    print_table(["id", "kind", "recipient", "due (UTC)", "status", "attempts", "note"], with_database(work))
