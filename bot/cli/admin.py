"""Admin commands: database, coaches, programs, clients, export, erasure and demo data."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import identity_option, money_option, print_json, print_table, settings, with_database
from domain import rules
from domain.clock import utcnow
from domain.db import Database
from domain.errors import ValidationError
from domain.migrate import upgrade
from domain.models.enums import Billing, CoachRole
from domain.money import format_money
from domain.services import clients as client_service
from domain.services import coaches as coach_service
from domain.services.capacity import coach_loads
from domain.services.demo import database_is_empty, seed_demo
from domain.services.erasure import ErasureReport, erase_client, preview_erasure, renewing_subscriptions
from domain.services.export import export_client
from domain.services.files import unlink_stored_files
from domain.services.reassignment import reassign_client

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
coaches_app = typer.Typer(help="Coaches.", no_args_is_help=True)
programs_app = typer.Typer(help="Programs coaches sell.", no_args_is_help=True)
clients_app = typer.Typer(help="Clients.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    with_database(upgrade, migrated=False)
    typer.echo("database is up to date")


@coaches_app.command("add")
def coaches_add(
    name: Annotated[str, typer.Option("--name", help="Display name")],
    email: Annotated[str, typer.Option("--email", help="Email address")],
    slack_user_id: Annotated[str | None, typer.Option("--slack-user-id", help="Link a Slack user")] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="IANA timezone for digests")] = "UTC",
    role: Annotated[
        CoachRole, typer.Option("--role", help="admin: every coach and client; coach: own clients")
    ] = CoachRole.COACH,
) -> None:
    """Add a coach; prints its id and invite code."""

    async def work(db: Database) -> tuple[int, str]:
        async with db.unit_of_work() as session:
            coach = await coach_service.create_coach(
                session, name=name, email=email, slack_user_id=slack_user_id, timezone=timezone, role=role
            )
            return coach.id, coach.invite_code

    coach_id, invite = with_database(work)
    as_admin = " as admin" if role == CoachRole.ADMIN else ""
    typer.echo(f"coach {coach_id} created{as_admin}; invite code {invite}")


@coaches_app.command("set-role")
def coaches_set_role(
    coach: Annotated[int, typer.Option("--coach", help="Coach id")],
    role: Annotated[CoachRole, typer.Option("--role", help="admin or coach")],
) -> None:
    """Make a coach an admin (every coach and client in the web workspace) or a coach (own clients)."""

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            changed = await coach_service.set_coach_role(session, coach, role)
            return changed.name

    name = with_database(work)
    typer.echo(f"coach {coach} ({name}) is now {role.value}")


@coaches_app.command("set-locale")
def coaches_set_locale(
    coach: Annotated[int, typer.Option("--coach", help="Coach id")],
    locale: Annotated[str, typer.Argument(help=f"One of {', '.join(rules.LOCALES)}")],
) -> None:
    """The language a coach reads their charts (and computed summaries) in."""

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            changed = await coach_service.set_coach_locale(session, coach, locale, actor="admin")
            return f"coach {changed.id} ({changed.name}) reads charts in {changed.locale}"

    typer.echo(with_database(work))


@coaches_app.command("list")
def coaches_list() -> None:
    """List coaches with their load: active clients / capacity (∞: no limit)."""

    async def work(db: Database) -> list[list[object]]:
        async with db.unit_of_work() as session:
            loads = {c.coach_id: c.shown for c in await coach_loads(session, now=utcnow())}
            return [
                [c.id, c.name, c.email, c.role, c.slack_user_id or "-", c.invite_code, loads.get(c.id, "-")]
                for c in await coach_service.list_coaches(session)
            ]

    print_table(["id", "name", "email", "role", "slack", "invite", "load"], with_database(work))


@programs_app.command("add")
def programs_add(
    coach: Annotated[int, typer.Option("--coach", help="Coach id")],
    name: Annotated[str, typer.Option("--name")],
    price: Annotated[str, typer.Option("--price", help="Price in currency units, e.g. 49 or 49.00")],
    currency: Annotated[str, typer.Option("--currency")] = "usd",
    billing: Annotated[Billing, typer.Option("--billing")] = Billing.ONE_OFF,
    weeks: Annotated[int | None, typer.Option("--weeks", min=1, help="Duration in weeks (1 or more)")] = None,
    description: Annotated[str, typer.Option("--description")] = "",
) -> None:
    """Add a program without content (unpublished until `coach programs publish`)."""
    price_minor = money_option(price, currency)

    async def work(db: Database) -> int:
        async with db.unit_of_work() as session:
            program = await coach_service.create_program(
                session,
                coach_id=coach,
                name=name,
                price_minor=price_minor,
                currency=currency,
                billing=billing.value,
                duration_weeks=weeks,
                description=description,
            )
            return program.id

    typer.echo(f"program {with_database(work)} created (unpublished)")


@programs_app.command("list")
def programs_list(coach: Annotated[int | None, typer.Option("--coach")] = None) -> None:
    """List programs."""

    async def work(db: Database) -> list[list[object]]:
        async with db.unit_of_work() as session:
            return [
                [
                    p.id,
                    p.coach_id,
                    p.name,
                    format_money(p.price_minor, p.currency),
                    p.currency,
                    p.billing,
                    p.duration_weeks or "-",
                    "yes" if p.published else "no",
                ]
                for p in await coach_service.list_programs(session, coach_id=coach)
            ]

    print_table(
        ["id", "coach", "name", "price", "currency", "billing", "weeks", "published"], with_database(work)
    )


@clients_app.command("list")
def clients_list(coach: Annotated[int | None, typer.Option("--coach")] = None) -> None:
    """List clients with their last check-in."""

    async def work(db: Database) -> list[list[object]]:
        async with db.unit_of_work() as session:
            return [
                [
                    o.client.id,
                    o.client.display_name,
                    o.client.coach_id or "-",
                    o.client.timezone,
                    o.client.status,
                    o.last_check_in_at.isoformat(timespec="minutes") if o.last_check_in_at else "-",
                    o.check_in_count,
                ]
                for o in await client_service.list_clients(session, coach_id=coach)
            ]

    print_table(
        ["id", "name", "coach", "timezone", "status", "last check-in", "check-ins"], with_database(work)
    )


@clients_app.command("reassign")
def clients_reassign(
    client: Annotated[int, typer.Option("--client", help="Client id")],
    coach: Annotated[int, typer.Option("--coach", help="The coach the client moves to")],
) -> None:
    """Move a client to another coach (audited as client.reassigned; enrollments stay as they are)."""

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            moved = await reassign_client(session, client_id=client, to_coach_id=coach, actor="cli")
            return f"client {moved.id} ({moved.display_name}) now belongs to coach {coach}"

    typer.echo(with_database(work))


def export(
    identity: Annotated[
        str | None, typer.Option("--identity", help="PLATFORM:EXTERNAL_ID", callback=identity_option)
    ] = None,
    client: Annotated[int | None, typer.Option("--client", help="Client id")] = None,
) -> None:
    """Print everything held about a client as JSON."""
    if (identity is None) == (client is None):
        raise typer.BadParameter("give exactly one of --identity or --client")

    async def work(db: Database) -> dict[str, object]:
        async with db.unit_of_work() as session:
            found = await client_service.resolve_client(session, identity=identity, client_id=client)
            return await export_client(session, found.id)

    print_json(with_database(work))


def erase(
    identity: Annotated[
        str | None, typer.Option("--identity", help="PLATFORM:EXTERNAL_ID", callback=identity_option)
    ] = None,
    client: Annotated[int | None, typer.Option("--client", help="Client id")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking")] = False,
) -> None:
    """Erase a client (right to erasure): shows what goes and what is kept, then asks."""
    if (identity is None) == (client is None):
        raise typer.BadParameter("give exactly one of --identity or --client")
    if identity is not None:
        try:
            client_service.IdentityRef.parse(identity)
        except ValidationError as exc:
            raise typer.BadParameter(exc.message, param_hint="--identity") from None

    async def preview(db: Database) -> tuple[str, ErasureReport, int]:
        async with db.unit_of_work() as session:
            found = await client_service.resolve_client(session, identity=identity, client_id=client)
            return (
                found.display_name,
                await preview_erasure(session, found.id),
                await renewing_subscriptions(session, found.id),
            )

    name, planned, renewing = with_database(preview)
    typer.echo(f"client {planned.client_id} ({name}): these rows will be deleted")
    print_table(["table", "rows"], [[t, n] for t, n in planned.erased.items() if n])
    typer.echo("kept without the client (accounting and audit):")
    print_table(["table", "rows"], [[t, n] for t, n in planned.kept.items()])
    if renewing:
        typer.echo(
            f"warning: {renewing} subscription(s) still renew at the payment provider; erasure keeps "
            "their records but does not cancel them there"
        )
    if not yes and not typer.confirm("Erase this client for good?", default=False):
        typer.echo("nothing was erased", err=True)
        raise typer.Exit(1)

    async def work(db: Database) -> ErasureReport:
        async with db.unit_of_work() as session:
            return await erase_client(session, planned.client_id, actor="admin")

    report = with_database(work)
    # Files go only once the rows are committed (domain.services.files).
    unlinked = unlink_stored_files(report.file_paths, settings().storage_dir)
    typer.echo(
        f"client {report.client_id} erased: {sum(report.erased.values())} rows deleted, "
        f"{report.kept['payments']} payment(s) and {report.kept['subscriptions']} subscription(s) kept "
        f"without them, {unlinked.removed} file(s) removed from disk"
    )


def seed_demo_command(
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Only seed an empty database")] = False,
) -> None:
    """Create a demo coach with a free and a paid program (idempotent)."""

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            if if_empty and not await database_is_empty(session):
                return "database already has data; demo not seeded"
            coach, created = await seed_demo(session)
            state = "created" if created else "already present"
            return f"demo coach {coach.id} {state}; invite code {coach.invite_code}"

    typer.echo(with_database(work))
