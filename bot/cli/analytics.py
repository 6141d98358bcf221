"""``coach analytics``: every metric for a coach, a program or the whole business over a period."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import typer

from bot.cli.common import print_json, print_table, with_database
from conversations.coach_stats import metric_value
from domain.analytics.metrics import METRICS
from domain.analytics.report import AnalyticsReport, analytics_report
from domain.analytics.scope import Period, Scope
from domain.clock import utcnow
from domain.db import Database

# Without --since, the four weeks up to --until (today by default).
DEFAULT_DAYS = 28


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("use a date like 2026-11-01", param_hint=option) from None


def analytics(
    coach: Annotated[int | None, typer.Option("--coach", help="One coach's clients")] = None,
    program: Annotated[int | None, typer.Option("--program", help="One program's enrolled clients")] = None,
    since: Annotated[str | None, typer.Option("--since", help="First day (YYYY-MM-DD, UTC)")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day, included (default today)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON with each metric's definition")] = False,
) -> None:
    """Every metric with its definition, for a coach, a program or the whole business."""
    if coach is not None and program is not None:
        raise typer.BadParameter("choose --coach or --program, not both", param_hint="--program")
    now = utcnow()
    last = _day(until, "--until") or now.date()
    first = _day(since, "--since") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise typer.BadParameter("--since is after --until", param_hint="--since")
    period = Period.between(first, last, now=now)
    scope = Scope(coach_id=coach, program_id=program)

    async def work(db: Database) -> AnalyticsReport:
        async with db.unit_of_work() as session:
            return await analytics_report(session, scope, period)

    report = with_database(work)
    if as_json:
        print_json(report.to_dict())
        return
    typer.echo(f"{report.scope_name} · {first.isoformat()} to {last.isoformat()} (UTC days)")
    names = list(report.values)
    print_table(
        ["metric", "value", "note"],
        [[name, metric_value(name, report.values[name]), f"[{n}]"] for n, name in enumerate(names, 1)],
    )
    if report.llm_usage:
        typer.echo("")
        print_table(
            ["coach", "day", "llm calls", "tokens"],
            [
                [u.coach_id if u.coach_id is not None else "-", u.day, u.calls, u.tokens]
                for u in report.llm_usage
            ],
        )
    if report.forecasts:
        typer.echo("")
        print_table(
            ["client", "goal", "due", "now", "outlook", "why", "churn risk"],
            [
                [
                    f.client_name,
                    f.goal,
                    f.due_date.isoformat(),
                    f"{f.progress_now} %",
                    f.outlook.value,
                    str(f.reason),
                    f.churn_risk.value,
                ]
                for f in report.forecasts
            ],
        )
    typer.echo("")
    for n, name in enumerate(names, 1):
        typer.echo(f"[{n}] {name}: {METRICS[name].definition}")
