"""A coach's numbers week over week (``/coach stats`` and the Monday business summary in Slack): the
last seven whole UTC days against the seven before, plus the goals that need attention. Numbers only,
as plain data, so they can wait in the outbox and be worded by a channel in the coach's language
(``conversations.coach_stats``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.metrics import MetricValue, compute
from domain.analytics.prediction import Outlook, goal_forecasts
from domain.analytics.report import scope_name
from domain.analytics.scope import Period, Scope
from domain.reasons import Reason
from domain.services.capacity import coach_loads

BUSINESS_SUMMARY = "business_summary"  # the outbox payload type
WEEK_DAYS = 7
# What a coach reads first about their week, in this order.
WEEKLY_METRICS = (
    "active_clients",
    "new_clients",
    "churned_clients",
    "reactivated_clients",
    "checkin_adherence",
    "response_time_median",
    "satisfaction_average",
    "revenue_net",
)
ATTENTION_MAX = 5  # goals listed as needing attention
HISTORY_WEEKS = 8  # weeks in the summary's chart
# The chart's panels: adherence, response time, satisfaction per week.
HISTORY_METRICS = ("checkin_adherence", "response_time_median", "satisfaction_average")


@dataclass(frozen=True, slots=True)
class WeekRow:
    """One metric's value this week and the week before (a number, per-currency amounts, or None)."""

    metric: str
    this_week: MetricValue
    last_week: MetricValue


@dataclass(frozen=True, slots=True)
class GoalAttention:
    """A goal off track or at risk; named by its due date, not its text, which is encrypted at rest and
    would otherwise wait in the outbox in plain text."""

    client: str
    due_date: str
    outlook: str
    reason: Reason | str  # str: queued before reasons were sentences

    def to_dict(self) -> dict[str, Any]:
        reason = self.reason.to_json() if isinstance(self.reason, Reason) else self.reason
        return {"client": self.client, "due_date": self.due_date, "outlook": self.outlook, "reason": reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GoalAttention:
        reason = data["reason"]
        said = Reason.from_json(reason) if isinstance(reason, Mapping) else str(reason)
        return cls(str(data["client"]), str(data["due_date"]), str(data["outlook"]), said)


@dataclass(frozen=True, slots=True)
class WeekPoint:
    """One past week for the chart (None: nothing to measure that week)."""

    week_start: str  # ISO date
    adherence_pct: float | None
    response_median_minutes: float | None
    satisfaction_avg: float | None


@dataclass(frozen=True, slots=True)
class WeeklyNumbers:
    coach_id: int
    coach: str
    start: str  # first day, ISO
    end: str  # last day, ISO (included)
    load: str  # ``12/20`` or ``12/∞``
    rows: tuple[WeekRow, ...]
    attention: tuple[GoalAttention, ...]
    history: tuple[WeekPoint, ...] = ()
    """The last weeks, oldest first, ending with this one."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["attention"] = [a.to_dict() for a in self.attention]
        # Every outbox payload has a plain ``text``: here the English heading, a fallback only (the
        # channel words the numbers in the coach's language when it delivers them).
        text = f"Your week: {self.start} to {self.end}. Clients {self.load}"
        return {"type": BUSINESS_SUMMARY, **data, "text": text}

    @staticmethod
    def worded(data: Mapping[str, Any]) -> bool:
        """A payload queued before the numbers were worded on delivery: English rows and ``text``."""
        return any("label" in row for row in data.get("rows", []))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WeeklyNumbers:
        return cls(
            coach_id=int(data["coach_id"]),
            coach=str(data["coach"]),
            start=str(data["start"]),
            end=str(data["end"]),
            load=str(data["load"]),
            rows=tuple(WeekRow(**r) for r in data.get("rows", [])),
            attention=tuple(GoalAttention.from_dict(a) for a in data.get("attention", [])),
            history=tuple(WeekPoint(**w) for w in data.get("history", [])),
        )


async def weekly_numbers(session: AsyncSession, coach_id: int, *, now: datetime) -> WeeklyNumbers:
    """The coach's last seven whole UTC days against the seven before."""
    scope = Scope(coach_id=coach_id)
    name = await scope_name(session, scope)
    week = Period.last_days(WEEK_DAYS, now=now)
    this = await compute(session, scope, week, WEEKLY_METRICS)
    last = await compute(session, scope, week.previous(), WEEKLY_METRICS)
    rows = tuple(WeekRow(metric, this[metric], last[metric]) for metric in WEEKLY_METRICS)
    loads = {c.coach_id: c.shown for c in await coach_loads(session, now=now)}
    attention = tuple(
        GoalAttention(f.client_name, f.due_date.isoformat(), f.outlook.value, f.reason)
        for f in await goal_forecasts(session, scope, now=now)
        if f.outlook in (Outlook.OFF_TRACK, Outlook.AT_RISK)
    )[:ATTENTION_MAX]
    last_day = (week.end - (week.end - week.start) / WEEK_DAYS).date()
    return WeeklyNumbers(
        coach_id,
        name,
        week.start.date().isoformat(),
        last_day.isoformat(),
        loads.get(coach_id, "0/∞"),
        rows,
        attention,
        await _history(session, scope, week),
    )


def _number(value: MetricValue) -> float | None:
    return float(value) if isinstance(value, int | float) else None


async def _history(session: AsyncSession, scope: Scope, week: Period) -> tuple[WeekPoint, ...]:
    """Adherence, median response and satisfaction for each of the last weeks, oldest first."""
    periods = [week]
    while len(periods) < HISTORY_WEEKS:
        periods.append(periods[-1].previous())
    points = []
    for period in reversed(periods):
        values = await compute(session, scope, period, HISTORY_METRICS)
        points.append(
            WeekPoint(
                period.start.date().isoformat(),
                _number(values["checkin_adherence"]),
                _number(values["response_time_median"]),
                _number(values["satisfaction_average"]),
            )
        )
    return tuple(points)
