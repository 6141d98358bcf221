"""``coach chart``: a client's progress chart as a PNG file, the same image coaches get in Slack."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import CliError, identity_option, out_path, with_database
from domain.clock import utcnow
from domain.db import Database
from domain.insights.series import MIN_CHART_CHECK_INS, ClientSeries, client_series
from domain.services.clients import resolve_client

WEEKS_MAX = 12  # past three months a label per week is all that still fits


def chart(
    identity: Annotated[
        str, typer.Option("--identity", help="PLATFORM:EXTERNAL_ID of the client", callback=identity_option)
    ],
    out: Annotated[Path, typer.Option("--out", help="Where to write the PNG (FILE.png)")],
    weeks: Annotated[
        int, typer.Option("--weeks", min=1, max=WEEKS_MAX, help=f"Weeks up to today, 1 to {WEEKS_MAX}")
    ] = 4,
) -> None:
    """Write a client's daily mood, energy and plan adherence over the last weeks as a PNG."""
    path = out_path(out, {".png"})

    async def work(db: Database) -> ClientSeries:
        async with db.sessions() as session:
            client = await resolve_client(session, identity=identity)
            return await client_series(session, client.id, days=weeks * 7, now=utcnow())

    series = with_database(work)
    if not series.chartable:
        raise CliError(
            f"not enough check-ins for a chart yet: {series.check_ins} in the last {weeks} weeks, "
            f"at least {MIN_CHART_CHECK_INS} needed"
        )
    from bot.charts.progress_chart import render_progress_chart  # matplotlib loads only when drawing

    path.write_bytes(render_progress_chart(series))
    typer.echo(
        f"wrote {path} ({series.check_ins} check-ins on {series.days_checked_in} of "
        f"{len(series.days)} days, {series.start} to {series.end})"
    )
