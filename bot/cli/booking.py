"""``coach availability`` (a coach's bookable hours) and ``coach calendar`` (the private iCal feed and
the coach's own CalDAV calendar)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import CliError, settings, with_database
from domain.booking.availability import WEEKDAYS, Availability, AvailabilityError, parse_availability
from domain.db import Database
from domain.errors import NotFound
from domain.models import Coach
from domain.services.booking import get_availability, set_availability, set_sessions_included
from domain.services.calendars import new_feed_token, revoke_feed, set_caldav

availability_app = typer.Typer(help="A coach's bookable hours for /book.", no_args_is_help=True)
calendar_app = typer.Typer(
    help="A coach's calendar: private iCal feed, own CalDAV calendar.", no_args_is_help=True
)

FEED_PATH = "/calendar/{token}.ics"


def feed_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + FEED_PATH.format(token=token)


def describe(availability: Availability) -> str:
    """A short summary of the hours (the full YAML is ``coach availability show``)."""
    days = ", ".join(
        f"{WEEKDAYS[day].capitalize()} {' '.join(h.text() for h in hours)}"
        for day, hours in sorted(availability.weekly.items())
    )
    return (
        f"{availability.session_minutes}-minute sessions, {availability.buffer_minutes} min buffer, "
        f"{availability.notice_hours} h notice, {availability.horizon_days} days ahead, "
        f"{availability.timezone}: {days or 'no weekly hours'}"
    )


@availability_app.command("set")
def availability_set(
    coach: Annotated[int, typer.Option("--coach", help="Coach id")],
    file: Annotated[Path, typer.Option("--file", help="The hours as YAML (see the README), - for stdin")],
) -> None:
    """Set a coach's weekly hours, exceptions, session length, buffer and notice from a YAML file."""
    text = sys.stdin.read() if str(file) == "-" else _read(file)

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            found = await session.get(Coach, coach)
            if found is None:
                raise NotFound(f"no coach with id {coach}")
            try:
                availability = parse_availability(text, default_timezone=found.timezone)
            except AvailabilityError as exc:
                raise CliError(f"{file}: {exc}") from None
            await set_availability(session, coach, availability, actor="operator")
            return f"coach {coach} ({found.name}): {describe(availability)}"

    typer.echo(with_database(work))


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(
            f"cannot read {file}: {exc.strerror if isinstance(exc, OSError) else 'not UTF-8 text'}"
        ) from None


@availability_app.command("show")
def availability_show(coach: Annotated[int, typer.Option("--coach", help="Coach id")]) -> None:
    """Print a coach's availability as the YAML ``set`` takes."""

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            if await session.get(Coach, coach) is None:
                raise NotFound(f"no coach with id {coach}")
            availability = await get_availability(session, coach)
            if availability is None:
                raise CliError(
                    f"coach {coach} has no availability yet: coach availability set --coach {coach} --file hours.yaml"
                )
            return availability.to_yaml()

    typer.echo(with_database(work), nl=False)


@availability_app.command("sessions")
def availability_sessions(
    program: Annotated[int, typer.Option("--program", help="Program id")],
    count: Annotated[
        int, typer.Option("--count", min=0, max=1000, help="Sessions the program includes (0: none counted)")
    ],
) -> None:
    """Set how many live sessions a program includes (clients book them with /book)."""

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            await set_sessions_included(session, program, count, actor="operator")
        return f"program {program} includes {count} session{'' if count == 1 else 's'}"

    typer.echo(with_database(work))


@calendar_app.command("feed")
def calendar_feed(
    coach: Annotated[int, typer.Option("--coach", help="Coach id")],
    revoke: Annotated[bool, typer.Option("--revoke", help="Turn the feed address off")] = False,
) -> None:
    """Print a new private iCal feed address of a coach's sessions (the old one stops working), or
    revoke it."""
    base_url = settings().web_base_url

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            if revoke:
                had = await revoke_feed(session, coach, actor="operator")
                return f"feed of coach {coach} revoked" if had else f"coach {coach} had no feed"
            return feed_url(base_url, await new_feed_token(session, coach, actor="operator"))

    typer.echo(with_database(work))


@calendar_app.command("caldav")
def calendar_caldav(
    coach: Annotated[int, typer.Option("--coach", help="Coach id")],
    url: Annotated[str | None, typer.Option("--url", help="The CalDAV calendar's address")] = None,
    username: Annotated[str | None, typer.Option("--username", help="CalDAV user name")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the CalDAV password from standard input")
    ] = False,
    remove: Annotated[bool, typer.Option("--remove", help="Stop reading busy times from CalDAV")] = False,
) -> None:
    """Read busy times from a coach's own CalDAV calendar (password stored encrypted), or stop."""
    if remove == (url is not None):
        raise typer.BadParameter("give --url (with --username/--password-stdin) or --remove")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            await set_caldav(session, coach, url=url, username=username, password=password, actor="operator")
        return (
            f"coach {coach}: busy times read from {url}" if url else f"coach {coach}: CalDAV calendar removed"
        )

    typer.echo(with_database(work))


@calendar_app.command("sync")
def calendar_sync(
    coach: Annotated[int | None, typer.Option("--coach", help="Coach id (default: every coach)")] = None,
) -> None:
    """Read the busy times of coaches' CalDAV calendars now (``coach run`` does it every 5 minutes)."""
    from domain.clock import utcnow
    from integrations.caldav.sync import sync_all

    async def work(db: Database) -> dict[int, int | str]:
        return await sync_all(db, now=utcnow(), coach_id=coach)

    results = with_database(work)
    if not results:
        raise CliError("no CalDAV calendar is set" + (f" for coach {coach}" if coach is not None else ""))
    failed = False
    for found, outcome in sorted(results.items()):
        if isinstance(outcome, int):
            typer.echo(f"coach {found}: {outcome} busy time{'' if outcome == 1 else 's'} read")
        else:
            failed = True
            typer.echo(f"coach {found}: calendar not read: {outcome}", err=True)
    if failed:
        raise typer.Exit(1)
