"""``coach announce`` (a message to many clients) and ``coach announcements`` (what went out, and how)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import parse_instant, print_table, with_database
from domain.clock import utcnow
from domain.db import Database
from domain.services import announcements as ann

announcements_app = typer.Typer(help="Announcements and their delivery reports.", no_args_is_help=True)


def announce(
    coach: Annotated[int, typer.Option("--coach", help="Coach id: the sender, whose clients receive it")],
    text: Annotated[str, typer.Option("--text", help="What clients read")],
    program: Annotated[int | None, typer.Option("--program", help="Only clients in this program")] = None,
    segment: Annotated[
        str | None, typer.Option("--segment", help=f"Only this segment: {', '.join(ann.SEGMENTS)}")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When to send (ISO-8601 with offset); default now")
    ] = None,
) -> None:
    """Send a message to all of a coach's clients, a program's clients, or a segment (now or --at).
    The running service (`coach run`) delivers it within the platforms' limits."""
    send_at = parse_instant(at) if at is not None else None

    async def work(db: Database) -> ann.AnnouncementView:
        async with db.unit_of_work() as session:
            made = await ann.create_announcement(
                session,
                coach_id=coach,
                text=text,
                now=utcnow(),
                actor="operator",
                program_id=program,
                segment=segment,
                send_at=send_at,
            )
            return await ann.announcement_view(session, made)

    view = with_database(work)
    when = f"{view.send_at:%Y-%m-%d %H:%M} UTC" if view.send_at else "now"
    typer.echo(f"announcement {view.id} to {view.audience} of {view.coach_name}: scheduled for {when}")
    typer.echo(f"`coach announcements show {view.id}` reports its delivery", err=True)


@announcements_app.command("list")
def list_command(
    coach: Annotated[int | None, typer.Option("--coach", help="Only this coach's")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Most recent announcements")] = 20,
) -> None:
    """Announcements, newest first, with their delivery report (sent, failed, opted out, blocked)."""

    async def work(db: Database) -> list[ann.AnnouncementView]:
        async with db.unit_of_work() as session:
            return await ann.list_announcements(session, coach_id=coach, limit=limit)

    views = with_database(work)
    if not views:
        typer.echo("no announcements yet")
        return
    print_table(
        ["id", "coach", "send at (UTC)", "status", "to", "text", "delivery"],
        [
            [
                v.id,
                v.coach_name,
                f"{v.send_at:%Y-%m-%d %H:%M}" if v.send_at else "",
                v.status,
                v.audience,
                v.preview,
                v.report.line() if v.report else "",
            ]
            for v in views
        ],
    )


@announcements_app.command("show")
def show(announcement_id: Annotated[int, typer.Argument(help="Announcement id")]) -> None:
    """One announcement: its text, audience and delivery report."""

    async def work(db: Database) -> ann.AnnouncementView:
        async with db.unit_of_work() as session:
            found = await ann.get_announcement(session, announcement_id, coach_id=None)
            return await ann.announcement_view(session, found)

    v = with_database(work)
    typer.echo(f"announcement {v.id} by {v.coach_name} (coach {v.coach_id}) to {v.audience}")
    typer.echo(f"status: {v.status}" + (f", send at {v.send_at:%Y-%m-%d %H:%M} UTC" if v.send_at else ""))
    if v.report is not None:
        r = v.report
        typer.echo(
            f"sent {r.sent}, failed {r.failed}, opted out {r.opted_out}, blocked {r.blocked}"
            + (f", waiting for their console chat {r.held}" if r.held else "")
            + (f", on their way {r.pending}" if r.pending else "")
        )
    if v.finished_at is not None:
        typer.echo(f"finished: {v.finished_at:%Y-%m-%d %H:%M} UTC")
    typer.echo("")
    typer.echo(v.text)
