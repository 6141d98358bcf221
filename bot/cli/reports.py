"""``coach report``: reports as files — a client's progress PDF, the financial CSV/XLSX, coaches, custom.

The writers (matplotlib, ReportLab, openpyxl) are imported by the command that uses them, so every other
``coach`` command starts without loading them.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import identity_option, out_path, progress_bar, with_database
from domain.analytics.metrics import METRICS
from domain.analytics.scope import Period
from domain.clock import utcnow
from domain.db import Database
from domain.errors import ValidationError
from domain.reports.custom import (
    COACH_METRICS,
    GROUPINGS,
    Grouping,
    MetricRow,
    default_period,
    metric_rows,
    resolve_metrics,
    table,
    units,
)
from domain.reports.progress import progress_report
from domain.services.clients import resolve_client
from domain.services.financial import monthly_revenue, payments_between, refunds_between

report_app = typer.Typer(help="Reports as files: progress (PDF), financial, coaches and custom (CSV/XLSX).")

WEEKS_MAX = 12  # the progress chart's limit: past three months a label per week is all that fits
PERIOD_DAYS_MAX = 3660
DEFAULT_DAYS = 28  # four whole weeks before today  # ten years: a typo in a year (2206) is caught instead of a report of centuries

Advance = Callable[[int, int], None] | None


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
    from pypdf import PdfReader

    from bot.reports.progress_pdf import render_progress_report
    from bot.reports.tables import write_atomically

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
    from bot.reports.financial import PAYMENT_HEADERS, financial_sheets, payment_rows
    from bot.reports.tables import csv_bytes, write_atomically, xlsx_bytes

    async def work(db: Database) -> int:
        with progress_bar("financial report", enabled=sys.stdout.isatty()) as advance:
            async with db.sessions() as session:
                lines = await payments_between(session, start, end)
                refunds = await refunds_between(session, start, end)
            _step(advance, 1, 3)
            if path.suffix.lower() == ".csv":
                data = csv_bytes(PAYMENT_HEADERS, payment_rows(lines))
            else:
                months = monthly_revenue(lines, refunds, start, end)
                data = await asyncio.to_thread(lambda: xlsx_bytes(financial_sheets(lines, months)))
            _step(advance, 2, 3)
            await asyncio.to_thread(write_atomically, path, data)
            _step(advance, 3, 3)
        return len(lines)

    count = with_database(work)
    typer.echo(
        f"wrote {path} ({count} payment{'s' if count != 1 else ''}, {start.date()} to {end.date() - timedelta(days=1)})"
    )


def _optional_day(value: str | None, option: str) -> date | None:
    return None if value is None else parse_day(value, option)


def _metrics_period(since: str | None, until: str | None) -> Period:
    first, last = _optional_day(since, "--since"), _optional_day(until, "--until")
    if first is not None and last is not None and last < first:
        raise typer.BadParameter(f"{last} is before --since {first}", param_hint="--until")
    if first is not None and last is not None and (last - first).days > PERIOD_DAYS_MAX:
        raise typer.BadParameter("the period is longer than ten years", param_hint="--until")
    try:
        return default_period(first, last, now=utcnow(), days=DEFAULT_DAYS)
    except ValidationError as exc:
        raise typer.BadParameter(exc.message, param_hint="--since") from None


def _write_metric_table(path: Path, rows: list[MetricRow], names: list[str], title: str) -> int:
    from bot.reports.tables import Sheet, csv_bytes, write_atomically, xlsx_bytes

    headers, cells = table(rows, names)
    if path.suffix.lower() == ".csv":
        data = csv_bytes(headers, cells)
    else:
        column_units = units(headers)
        definitions = [[c, column_units[c], METRICS[c.split(".")[0]].definition] for c in column_units]
        data = xlsx_bytes(
            [
                Sheet(title, headers, cells),
                Sheet("Definitions", ("column", "unit", "definition"), definitions),
            ]
        )
    write_atomically(path, data)
    return len(cells)


def _metric_report(path: Path, by: Grouping, names: list[str], window: Period, title: str) -> int:
    async def work(db: Database) -> int:
        with progress_bar(f"{title.lower()} report", enabled=sys.stdout.isatty()) as advance:
            async with db.sessions() as session:
                rows = await metric_rows(session, by=by, names=names, period=window, progress=advance)
            return await asyncio.to_thread(_write_metric_table, path, rows, names, title)

    return with_database(work)


def _period_text(window: Period) -> str:
    return f"{window.start.date()} to {(window.end - timedelta(days=1)).date()}"


@report_app.command("coaches")
def coaches(
    out: Annotated[Path, typer.Option("--out", help="FILE.csv (or FILE.xlsx, with the definitions)")],
    since: Annotated[str | None, typer.Option("--since", help="First day (YYYY-MM-DD, UTC)")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day, included (YYYY-MM-DD, UTC)")] = None,
) -> None:
    """One row per coach: load and capacity, clients, adherence, response time, satisfaction, completion,
    revenue (default period: the last 28 whole days)."""
    path = out_path(out, {".csv", ".xlsx"})
    window = _metrics_period(since, until)
    count = _metric_report(path, "coach", list(COACH_METRICS), window, "Coaches")
    typer.echo(f"wrote {path} ({count} coach{'es' if count != 1 else ''}, {_period_text(window)})")


@report_app.command("custom")
def custom(
    metrics: Annotated[
        str,
        typer.Option(
            "--metrics",
            help="Comma-separated metrics (names from `coach analytics`, or adherence, satisfaction, "
            "response_time, revenue, completion, load, capacity, churn)",
        ),
    ],
    by: Annotated[str, typer.Option("--by", help="One row per coach, program or week")],
    out: Annotated[Path, typer.Option("--out", help="FILE.csv (or FILE.xlsx, with the definitions)")],
    since: Annotated[str | None, typer.Option("--since", help="First day (YYYY-MM-DD, UTC)")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day, included (YYYY-MM-DD, UTC)")] = None,
) -> None:
    """Chosen metrics, one row per coach, program or week (default period: the last 28 whole days)."""
    path = out_path(out, {".csv", ".xlsx"})
    if by not in GROUPINGS:
        raise typer.BadParameter(f"{by!r} is not one of {', '.join(GROUPINGS)}", param_hint="--by")
    try:
        names = resolve_metrics(metrics)
    except ValidationError as exc:
        raise typer.BadParameter(exc.message, param_hint="--metrics") from None
    window = _metrics_period(since, until)
    count = _metric_report(path, by, names, window, f"By {by}")
    typer.echo(f"wrote {path} ({count} row{'s' if count != 1 else ''}, {_period_text(window)})")
