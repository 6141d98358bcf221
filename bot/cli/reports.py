"""``coach report``: reports as files — a client's progress PDF, the financial CSV/XLSX, coaches, custom."""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable, Collection
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer
from pypdf import PdfReader

from bot.cli.common import identity_option, progress_bar, with_database
from bot.reports.financial import PAYMENT_HEADERS, financial_sheets, payment_rows
from bot.reports.progress_pdf import render_progress_report
from bot.reports.tables import csv_bytes, write_atomically, xlsx_bytes
from domain.clock import utcnow
from domain.db import Database
from domain.reports.progress import progress_report
from domain.services.clients import resolve_client
from domain.services.financial import monthly_revenue, payments_between

report_app = typer.Typer(help="Reports as files: progress (PDF), financial, coaches and custom (CSV/XLSX).")

WEEKS_MAX = 12  # the progress chart's limit: past three months a label per week is all that fits
PERIOD_DAYS_MAX = 3660  # ten years: a typo in a year (2206) is caught instead of a report of centuries

Advance = Callable[[int, int], None] | None


def out_path(value: Path, suffixes: Collection[str]) -> Path:
    """``--out``: a file with one of ``suffixes`` in a folder that exists (checked before any work)."""
    allowed = " or ".join(sorted(suffixes))
    if value.is_dir():
        raise typer.BadParameter(f"{str(value)!r} is a folder; give a file name", param_hint="--out")
    if value.suffix.lower() not in suffixes:
        raise typer.BadParameter(f"must end in {allowed}, not {value.name!r}", param_hint="--out")
    if not value.parent.is_dir():
        raise typer.BadParameter(f"folder {str(value.parent)!r} does not exist", param_hint="--out")
    return value


def parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date: write it like 2026-11-01", param_hint=option
        ) from None


def period(since: str, until: str) -> tuple[datetime, datetime]:
    """``--since``/``--until`` as UTC instants [since 00:00, the day after until 00:00): both days count."""
    first, last = parse_day(since, "--since"), parse_day(until, "--until")
    if last < first:
        raise typer.BadParameter(f"{last} is before --since {first}", param_hint="--until")
    if (last - first).days > PERIOD_DAYS_MAX:
        raise typer.BadParameter("the period is longer than ten years", param_hint="--until")
    start = datetime.combine(first, time(), tzinfo=UTC)
    return start, datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)


def _step(advance: Advance, done: int, total: int) -> None:
    if advance is not None:
        advance(done, total)


@report_app.command("progress")
def progress(
    identity: Annotated[
        str, typer.Option("--identity", help="PLATFORM:EXTERNAL_ID of the client", callback=identity_option)
    ],
    out: Annotated[Path, typer.Option("--out", help="Where to write the PDF (FILE.pdf)")],
    weeks: Annotated[
        int, typer.Option("--weeks", min=1, max=WEEKS_MAX, help=f"Weeks up to today, 1 to {WEEKS_MAX}")
    ] = 4,
) -> None:
    """A one-to-three-page PDF for the client: profile, summary, chart of the last weeks, goals."""
    path = out_path(out, {".pdf"})

    async def work(db: Database) -> tuple[bytes, int]:
        with progress_bar("progress report", enabled=sys.stdout.isatty()) as advance:
            async with db.sessions() as session:
                client = await resolve_client(session, identity=identity)
                report = await progress_report(session, client, weeks=weeks, now=utcnow())
            _step(advance, 1, 3)
            data = await asyncio.to_thread(render_progress_report, report, weeks=weeks)
            _step(advance, 2, 3)
            await asyncio.to_thread(write_atomically, path, data)
            _step(advance, 3, 3)
        return data, len(PdfReader(io.BytesIO(data)).pages)

    data, pages = with_database(work)
    typer.echo(f"wrote {path} ({pages} page{'s' if pages != 1 else ''}, {len(data) // 1024} KiB)")


@report_app.command("financial")
def financial(
    since: Annotated[str, typer.Option("--since", help="First day (YYYY-MM-DD, UTC)")],
    until: Annotated[str, typer.Option("--until", help="Last day, included (YYYY-MM-DD, UTC)")],
    out: Annotated[
        Path, typer.Option("--out", help="FILE.csv (payments) or FILE.xlsx (payments, summary, months)")
    ],
) -> None:
    """Every payment of the period; the XLSX adds totals per currency and a month-by-month sheet with a chart."""
    path = out_path(out, {".csv", ".xlsx"})
    start, end = period(since, until)

    async def work(db: Database) -> int:
        with progress_bar("financial report", enabled=sys.stdout.isatty()) as advance:
            async with db.sessions() as session:
                lines = await payments_between(session, start, end)
            _step(advance, 1, 3)
            if path.suffix.lower() == ".csv":
                data = csv_bytes(PAYMENT_HEADERS, payment_rows(lines))
            else:
                months = monthly_revenue(lines, start, end)
                data = await asyncio.to_thread(lambda: xlsx_bytes(financial_sheets(lines, months)))
            _step(advance, 2, 3)
            await asyncio.to_thread(write_atomically, path, data)
            _step(advance, 3, 3)
        return len(lines)

    count = with_database(work)
    typer.echo(
        f"wrote {path} ({count} payment{'s' if count != 1 else ''}, {start.date()} to {end.date() - timedelta(days=1)})"
    )
