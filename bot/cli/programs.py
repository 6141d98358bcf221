"""``coach programs import/export/publish/versions/new/migrate``: program content as files and versions.

The commands are added to ``coach programs`` beside ``add`` and ``list`` (bot/cli/admin.py).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.admin import programs_app
from bot.cli.common import CliError, out_path, parse_instant, print_json, print_table, with_database
from conversations.flows.program import render_update
from domain.analytics.programs import ProgramStats, program_stats
from domain.clock import utcnow
from domain.db import Database
from domain.money import format_money
from domain.program_delivery import deliveries_at
from domain.programs import ProgramFormatError, parse_program
from domain.programs.templates import TEMPLATES, template_text
from domain.services import program_versions as versions
from domain.services.program_overview import version_rows

if TYPE_CHECKING:
    from bot.charts.style import ChartFormat


def _resource_files(path: Path, text: str) -> dict[str, bytes]:
    """The ``files/…`` a program file links to, read from beside it (missing ones are reported by the
    import with their line)."""
    try:
        parsed = parse_program(text)
    except ProgramFormatError:
        return {}  # the import reports every problem
    found: dict[str, bytes] = {}
    base = path.resolve().parent
    for resource in parsed.resources:
        candidate = (base / resource.path).resolve()
        if candidate.is_relative_to(base) and candidate.is_file():
            found[resource.path] = candidate.read_bytes()
    return found


@programs_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="Program file (Markdown with YAML front matter)")],
    coach: Annotated[
        int | None, typer.Option("--coach", help="Coach id (default: the default coach)")
    ] = None,
) -> None:
    """Import a program file as a draft version (a new draft of the coach's program with that name)."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {file}: {exc}") from None
    files = _resource_files(file, text)

    async def work(db: Database) -> versions.ImportResult:
        async with db.unit_of_work() as session:
            return await versions.import_program(session, text, coach_id=coach, files=files)

    result = with_database(work)
    what = "created" if result.created_program else "updated"
    draft = "replaced draft" if result.replaced_draft else "new draft"
    typer.echo(
        f"program {result.program_id} {what}: {draft} version {result.version_number} with "
        f"{result.steps} step(s) and {result.resources} file(s); publish it with "
        f"`coach programs publish {result.program_id}`"
    )


@programs_app.command("export")
def export_command(
    program_id: Annotated[int, typer.Argument(help="Program id")],
    version: Annotated[int | None, typer.Option("--version", help="Version number (default: latest)")] = None,
) -> None:
    """Print a version's program file exactly as it was imported."""

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            return await versions.export_program(session, program_id, version)

    sys.stdout.write(with_database(work))
    sys.stdout.flush()


@programs_app.command("publish")
def publish_command(
    program_id: Annotated[int, typer.Argument(help="Program id")],
    note: Annotated[str | None, typer.Option("--note", help="What changed, for enrolled clients")] = None,
) -> None:
    """Publish the latest draft as an immutable version, so clients can choose the program."""

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            program, version = await versions.publish(session, program_id, note=note)
            if version is None:
                return f"program {program_id} ({program.name}) published"
            return f"program {program_id} ({program.name}) published as version {version.number}"

    typer.echo(with_database(work))


@programs_app.command("versions")
def versions_command(program_id: Annotated[int, typer.Argument(help="Program id")]) -> None:
    """A program's versions: status, steps, open enrollments and publish note."""

    async def work(db: Database) -> list[list[object]]:
        async with db.unit_of_work() as session:
            return [
                [
                    row.version.number,
                    row.version.status,
                    row.steps,
                    row.version.weeks,
                    row.enrolled,
                    row.version.published_at.isoformat(timespec="minutes")
                    if row.version.published_at
                    else "-",
                    row.version.publish_note or "",
                ]
                for row in await version_rows(session, program_id)
            ]

    rows = with_database(work)
    if not rows:
        typer.echo(f"program {program_id} has no content versions; import a program file")
        return
    print_table(["version", "status", "steps", "weeks", "enrolled", "published (UTC)", "note"], rows)


@programs_app.command("new")
def new_command(
    template: Annotated[str, typer.Option("--template", help=f"One of: {', '.join(TEMPLATES)}")],
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout")] = None,
) -> None:
    """Start a program from a built-in template (edit it, then `coach programs import`)."""
    if template not in TEMPLATES:
        listing = "; ".join(f"{name}: {about}" for name, about in TEMPLATES.items())
        raise typer.BadParameter(
            f"unknown template {template!r}; choose one of {listing}", param_hint="--template"
        )
    text = template_text(template)
    if out is None:
        sys.stdout.write(text)
        return
    if out.exists():
        raise CliError(f"{out} already exists; choose another file name")
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}; edit it, then `coach programs import {out}`")


@programs_app.command("migrate")
def migrate_command(
    program_id: Annotated[int, typer.Argument(help="Program id")],
    to_version: Annotated[int, typer.Option("--to-version", help="Published version to move clients to")],
) -> None:
    """Move enrolled clients to another published version, keeping their progress by step title."""

    async def work(db: Database) -> versions.MigrationResult:
        async with db.unit_of_work() as session:
            return await versions.migrate_enrollments(
                session, program_id, to_version=to_version, render_update=render_update
            )

    result = with_database(work)
    typer.echo(
        f"{result.moved} enrollment(s) moved to version {result.version_number}; "
        f"{result.notified} client(s) told what changed"
    )


@programs_app.command("deliveries")
def deliveries_command(
    at: Annotated[str, typer.Option("--at", help="ISO-8601 instant with offset, e.g. 2026-03-30T06:00Z")],
) -> None:
    """Who gets which program step in the minute starting at --at, and why (or why not)."""
    instant = parse_instant(at)

    async def work(db: Database) -> list[list[object]]:
        async with db.unit_of_work() as session:
            return [
                [
                    d.at.isoformat(timespec="minutes"),
                    d.client,
                    d.program,
                    d.step,
                    "send" if d.would_send else "hold",
                    d.why,
                ]
                for d in await deliveries_at(session, instant)
            ]

    rows = with_database(work)
    if not rows:
        typer.echo(f"no program step is due at {instant.isoformat(timespec='minutes')}")
        return
    print_table(["due (UTC)", "recipient", "program", "step", "action", "why"], rows)


def _value(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:g}{unit}"


@programs_app.command("stats")
def stats_command(
    program_id: Annotated[int, typer.Argument(help="Program id")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart",
            help="Also write the funnel (enrolled, each step reached, completed): FILE.png or FILE.svg",
        ),
    ] = None,
) -> None:
    """Enrolled, active, completed, completion rate, days to complete, drop-off per step, check-in
    adherence, mood change and revenue of a program."""
    chart_path = None if chart is None else out_path(chart, {".png", ".svg"}, option="--chart")

    async def work(db: Database) -> ProgramStats:
        async with db.unit_of_work() as session:
            return await program_stats(session, program_id, now=utcnow())

    stats = with_database(work)
    if chart_path is not None:
        from bot.charts.funnel_chart import program_funnel, render_program_funnel  # matplotlib on demand

        fmt: ChartFormat = "svg" if chart_path.suffix.lower() == ".svg" else "png"
        chart_path.write_bytes(render_program_funnel(stats.program, program_funnel(stats), fmt))
    if as_json:
        print_json(stats.to_dict())
        return
    revenue = ", ".join(format_money(amount, currency) for currency, amount in stats.revenue.items()) or "-"
    mood = "-" if stats.mood_change is None else f"{stats.mood_change:+g}"
    print_table(
        ["measure", "value"],
        [
            ["program", f"{stats.program} ({stats.program_id})"],
            ["enrolled", stats.enrolled],
            ["active", stats.active],
            ["completed", stats.completed],
            ["completion rate", _value(stats.completion_rate_pct, " %")],
            ["median days to complete", _value(stats.median_days_to_complete)],
            ["check-in adherence", _value(stats.checkin_adherence_pct, " %")],
            ["mood change, first to last week", mood],
            ["revenue (net of refunds)", revenue],
        ],
    )
    if stats.steps:
        typer.echo("")
        print_table(
            ["day", "step", "reached", "tasks", "tasks done"],
            [[s.day, s.title, s.reached, s.tasks, _value(s.task_completion_pct, " %")] for s in stats.steps],
        )
