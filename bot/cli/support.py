"""``coach support``: the admins' side of support requests from clients and coaches."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import CliError, print_table, with_database
from conversations.support import answer_ticket, close_ticket_by_team
from domain.db import Database
from domain.services import support

support_app = typer.Typer(
    help="Support requests from clients and coaches to the admins", no_args_is_help=True
)


def _when(value: object) -> str:
    return value.isoformat(timespec="minutes") if hasattr(value, "isoformat") else str(value)


def _line(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@support_app.command("list")
def list_tickets(
    status: Annotated[
        str, typer.Option("--status", help="open, answered, closed, active (open and answered) or all")
    ] = "active",
) -> None:
    """Support requests, most recently changed first, with their last message."""
    statuses = support.parse_status_filter(status)

    async def work(db: Database) -> list[list[object]]:
        async with db.sessions() as session:
            return [
                [t.id, t.status, t.requester, _when(t.updated_at), t.messages, _line(t.last_text)]
                for t in await support.list_tickets(session, statuses=statuses)
            ]

    rows = with_database(work)
    if not rows:
        typer.echo(f"no support requests ({status})")
        return
    print_table(["ticket", "status", "from", "changed (UTC)", "messages", "last message"], rows)


@support_app.command("show")
def show(ticket: Annotated[int, typer.Argument(help="Ticket number")]) -> None:
    """A request with every message, oldest first."""

    async def work(db: Database) -> tuple[str, list[list[object]]]:
        async with db.sessions() as session:
            found = await support.get_ticket(session, ticket)
            head = f"#{found.id} {found.status}, opened {_when(found.created_at)}"
            return head, [
                [_when(m.created_at), m.author, m.text]
                for m in await support.ticket_messages(session, ticket)
            ]

    head, rows = with_database(work)
    typer.echo(head)
    for when, author, text in rows:
        typer.echo(f"\n[{when}] {author}:\n{text}")


@support_app.command("reply")
def reply(
    ticket: Annotated[int, typer.Argument(help="Ticket number (see `coach support list`)")],
    text: Annotated[str, typer.Option("--text", help="The answer the requester gets in their chat")],
) -> None:
    """Answer a request: a client gets it in their chat, a coach in Slack; the ticket becomes answered."""

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            answered = await answer_ticket(session, ticket, text, admin_id=None, actor="cli")
            return answered.status

    try:
        status = with_database(work)
    except support.TicketClosed:
        raise CliError(
            f"support request #{ticket} is closed, so it takes no replies; the requester can open a new one"
        ) from None
    typer.echo(f"reply sent on support request #{ticket} (now {status})")


@support_app.command("close")
def close(ticket: Annotated[int, typer.Argument(help="Ticket number")]) -> None:
    """Close a request; the requester is told."""

    async def work(db: Database) -> bool:
        async with db.unit_of_work() as session:
            return (await close_ticket_by_team(session, ticket, actor="cli"))[1]

    closed = with_database(work)
    typer.echo(
        f"support request #{ticket} closed" if closed else f"support request #{ticket} was already closed"
    )
