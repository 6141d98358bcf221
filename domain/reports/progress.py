"""The facts of a client's progress report: profile, program, goals, the recent weeks' check-ins.

Everything here is read from the database and computed in code; the PDF only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.prediction import GoalForecast, goal_forecasts
from domain.analytics.scope import Scope
from domain.clock import ensure_utc
from domain.insights.compute import local_today
from domain.insights.series import ClientSeries, client_series
from domain.models import Client, Coach
from domain.models.enums import GoalStatus
from domain.services.goals import list_goals
from domain.services.program_progress import program_glances

REPORT_GOAL_STATUSES = (GoalStatus.ACTIVE, GoalStatus.DONE)
MAX_GOALS = 8  # a client with more goals than this gets the newest: the report stays within three pages


@dataclass(frozen=True, slots=True)
class GoalLine:
    goal_id: int
    text: str
    target: str | None
    """``5 km`` — the target with its unit, when the goal has one."""
    due_date: date | None
    progress_pct: int
    status: str
    forecast: GoalForecast | None = None
    """The progress prediction (domain.analytics.prediction) for an active goal with a due date."""


@dataclass(frozen=True, slots=True)
class ProgressReport:
    client_id: int
    client_name: str
    coach_name: str | None
    timezone: str
    cadence: str
    client_since: date
    program: str | None
    """``Couch to 5K · day 5 of 42 · steps 2/18 · tasks 5/27``, for a client in a program."""
    goals: tuple[GoalLine, ...]
    series: ClientSeries
    today: date
    locale: str = "en"
    """The client's language: the report speaks it (the chart's labels stay English, as for coaches)."""


def _target(target: float | None, unit: str | None) -> str | None:
    if target is None:
        return None
    return f"{target:g} {unit}".strip() if unit else f"{target:g}"


async def progress_report(
    session: AsyncSession, client: Client, *, weeks: int, now: datetime
) -> ProgressReport:
    coach = await session.get(Coach, client.coach_id) if client.coach_id is not None else None
    goals = list(await list_goals(session, client.id, statuses=list(REPORT_GOAL_STATUSES)))[-MAX_GOALS:]
    glances = await program_glances(session, [client.id], now=now)
    forecasts = {f.goal_id: f for f in await goal_forecasts(session, Scope(), now=now, client_id=client.id)}
    return ProgressReport(
        client_id=client.id,
        client_name=client.display_name,
        coach_name=coach.name if coach else None,
        timezone=client.timezone,
        cadence=client.checkin_cadence,
        client_since=ensure_utc(client.created_at).date(),
        program=glances.get(client.id),
        goals=tuple(
            GoalLine(
                goal_id=g.id,
                text=g.text,
                target=_target(g.target, g.unit),
                due_date=g.due_date,
                progress_pct=g.progress,
                status=g.status,
                forecast=forecasts.get(g.id),
            )
            for g in goals
        ),
        series=await client_series(session, client.id, days=weeks * 7, now=now),
        today=local_today(now, client.timezone),
        locale=client.locale,
    )
