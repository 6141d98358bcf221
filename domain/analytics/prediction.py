"""Progress prediction and churn risk, computed in code (never by a model).

Goal forecast: for an active goal with a due date, the client's own goal-progress check-ins (0-100 %)
are fitted with a Theil–Sen line (the median of the slopes between every pair of check-ins, robust to
an odd answer), projected to the due date, with the 95 % band from Sen's rank interval of those slopes.
Labels: on track (the projection reaches 100 %), at risk (only the band's top does), off track (not even
that, or the due date passed short of 100 %); fewer than three check-ins with progress: not enough data.

Churn risk: the signals behind the coach's risk flags (domain/insights/risk.py) for the current week:
high with any act-now flag or 14 days without a check-in, medium with a watch flag, low otherwise.
"""

from __future__ import annotations

import asyncio
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.clients import CHURN_SILENT_DAYS
from domain.analytics.scope import Scope
from domain.clock import ensure_utc
from domain.insights import data
from domain.insights.compute import local_today, week_facts
from domain.insights.facts import RiskFlag, Severity
from domain.models import CheckIn, Client, Goal
from domain.models.enums import ClientStatus, GoalStatus
from domain.reasons import Reason
from domain.reasons.forecast import ChurnReasons, ForecastReasons

MIN_POINTS = 3
GOAL_REACHED = 100.0
# Two-sided 95 %: the normal quantile in Sen's rank interval for the slope.
Z_95 = 1.96
# Risk flags compare this week with the last: two weeks of check-ins and a day of timezone margin.
RISK_HISTORY = timedelta(days=15)
DAY_SECONDS = 86400.0


class Outlook(StrEnum):
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    OFF_TRACK = "off track"
    NOT_ENOUGH_DATA = "not enough data"


class ChurnRisk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class Fit:
    slope: float  # progress points per day
    intercept: float
    slope_low: float
    slope_high: float
    intercept_low: float
    intercept_high: float

    def at(self, x: float) -> tuple[float, float, float]:
        """(projected, low, high) at ``x``, each clamped to 0-100 %."""

        def clamp(v: float) -> float:
            return max(0.0, min(GOAL_REACHED, v))

        ends = (self.intercept_low + self.slope_low * x, self.intercept_high + self.slope_high * x)
        return clamp(self.intercept + self.slope * x), clamp(min(ends)), clamp(max(ends))


def theil_sen(points: Sequence[tuple[float, float]], z: float = Z_95) -> Fit | None:
    """The Theil–Sen line through ``points`` with Sen's confidence interval for its slope; None with
    fewer than two distinct x values."""
    slopes = sorted(
        (y2 - y1) / (x2 - x1) for i, (x1, y1) in enumerate(points) for x2, y2 in points[i + 1 :] if x2 != x1
    )
    if not slopes:
        return None
    n, pairs = len(points), len(slopes)
    spread = z * math.sqrt(n * (n - 1) * (2 * n + 5) / 18)
    low_rank = max(1, math.floor((pairs - spread) / 2))
    high_rank = min(pairs, math.ceil((pairs + spread) / 2) + 1)
    slope = statistics.median(slopes)
    low, high = slopes[low_rank - 1], slopes[high_rank - 1]

    def intercept(s: float) -> float:
        return statistics.median(y - s * x for x, y in points)

    return Fit(slope, intercept(slope), low, high, intercept(low), intercept(high))


@dataclass(frozen=True, slots=True)
class GoalForecast:
    goal_id: int
    client_id: int
    client_name: str
    goal: str
    due_date: date
    progress_now: int
    check_ins: int
    projected_pct: float | None
    low_pct: float | None
    high_pct: float | None
    points_per_week: float | None
    outlook: Outlook
    reason: Reason
    churn_risk: ChurnRisk
    churn_reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        """The English reasons (JSON, CSV, CLI); channels say ``reason`` in the reader's language."""
        data = asdict(self)
        data.update(
            due_date=self.due_date.isoformat(),
            outlook=self.outlook.value,
            churn_risk=self.churn_risk.value,
            reason=str(self.reason),
        )
        data["churn_reasons"] = [str(r) for r in self.churn_reasons]
        return data


def _pct(value: float) -> int:
    """A share as the reason writes it: whole percent points (``:.0f``, halves to even)."""
    return int(f"{value:.0f}")


def forecast(
    points: Sequence[tuple[datetime, int]], due: date, progress_now: int, *, now: datetime
) -> tuple[Outlook, Reason, tuple[float, float, float] | None, float | None]:
    """The outlook, its reason, (projected, low, high) and the slope per week, from dated progress."""
    now = ensure_utc(now)
    due_at = datetime.combine(due + timedelta(days=1), time(), UTC)  # the end of the due day
    if progress_now >= GOAL_REACHED:
        return Outlook.ON_TRACK, ForecastReasons.DONE(), None, None
    if due_at <= now:
        return Outlook.OFF_TRACK, ForecastReasons.PAST_DUE(due=due, progress=progress_now), None, None
    if len({p[0].date() for p in points}) < MIN_POINTS:
        too_few = ForecastReasons.TOO_FEW(needed=MIN_POINTS, has=len(points))
        return Outlook.NOT_ENOUGH_DATA, too_few, None, None
    origin = ensure_utc(points[0][0])
    xy = [((ensure_utc(at) - origin).total_seconds() / DAY_SECONDS, float(pct)) for at, pct in points]
    fit = theil_sen(xy)
    if fit is None:
        return Outlook.NOT_ENOUGH_DATA, ForecastReasons.ONE_INSTANT(), None, None
    band = fit.at((due_at - origin).total_seconds() / DAY_SECONDS)
    projected, low, high = band
    pace = fit.slope * 7
    shown_pace = float(f"{pace:.1f}")  # one decimal, as ``:+.1f`` wrote it
    sentence = ForecastReasons.FALLING if shown_pace < 0 else ForecastReasons.RISING
    trend = sentence(
        pace=abs(shown_pace) if shown_pace >= 0 else shown_pace,
        projected=_pct(projected),
        due=due,
        low=_pct(low),
        high=_pct(high),
    )
    if projected >= GOAL_REACHED:
        return Outlook.ON_TRACK, trend, band, pace
    if high >= GOAL_REACHED:
        return (
            Outlook.AT_RISK,
            ForecastReasons.ONLY_AT_THE_TOP(trend=trend, full=ForecastReasons.FULL()),
            band,
            pace,
        )
    return (
        Outlook.OFF_TRACK,
        ForecastReasons.OUT_OF_REACH(trend=trend, full=ForecastReasons.FULL()),
        band,
        pace,
    )


def _said(flag: RiskFlag) -> Reason:
    """A risk flag's reason as a sentence (domain.insights.risk raises every flag with one)."""
    return flag.said if flag.said is not None else Reason("", flag.reason)


async def churn_risks(
    session: AsyncSession, client_ids: Sequence[int], *, now: datetime
) -> dict[int, tuple[ChurnRisk, tuple[Reason, ...]]]:
    """Each client's churn risk with its reasons, from this week's risk flags (computed off the loop)."""
    if not client_ids:
        return {}
    clients = await data.clients_by_id(session, client_ids)
    rows = await data.check_in_rows(session, client_ids, since=ensure_utc(now) - RISK_HISTORY)
    profiles = [(data.profile_of(c), rows.get(c.id, []), local_today(now, c.timezone)) for c in clients]
    # The client's last check-in may be older than the rows loaded: ask the database for it.
    last_seen = await _last_check_ins(session, client_ids)

    def assess() -> dict[int, tuple[ChurnRisk, tuple[Reason, ...]]]:
        found = {}
        for profile, client_rows, today in profiles:
            facts = week_facts(profile, client_rows, week_ending=today, now=now)
            reasons = [_said(f) for f in facts.flags]
            last = last_seen.get(profile.client_id)
            silent_days = None if last is None else (ensure_utc(now) - last).days
            long_silent = silent_days is not None and silent_days >= CHURN_SILENT_DAYS
            if silent_days is not None and long_silent:
                reasons.insert(0, ChurnReasons.SILENT(days=silent_days))
            if long_silent or any(f.severity is Severity.ACT for f in facts.flags):
                risk = ChurnRisk.HIGH
            elif facts.flags:
                risk = ChurnRisk.MEDIUM
            else:
                risk = ChurnRisk.LOW
            found[profile.client_id] = (risk, tuple(reasons))
        return found

    return await asyncio.to_thread(assess)


async def _last_check_ins(session: AsyncSession, client_ids: Sequence[int]) -> dict[int, datetime]:
    rows = await session.execute(
        select(CheckIn.client_id, func.max(CheckIn.created_at))
        .where(CheckIn.client_id.in_(list(client_ids)))
        .group_by(CheckIn.client_id)
    )
    return {client_id: ensure_utc(at) for client_id, at in rows}


async def goal_forecasts(
    session: AsyncSession, scope: Scope, *, now: datetime, client_id: int | None = None
) -> list[GoalForecast]:
    """A forecast for every active goal with a due date of the active clients in scope (or of the one
    client ``client_id``, e.g. for their progress report)."""
    goals = (
        await session.execute(
            select(Goal, Client.display_name)
            .join(Client, Client.id == Goal.client_id)
            .where(
                scope.has_client(Goal.client_id),
                Client.status == ClientStatus.ACTIVE,
                Goal.status == GoalStatus.ACTIVE,
                Goal.due_date.is_not(None),
                *([] if client_id is None else [Goal.client_id == client_id]),
            )
            .order_by(Goal.due_date, Goal.id)
        )
    ).all()
    if not goals:
        return []
    client_ids = sorted({g.client_id for g, _name in goals})
    progress: dict[int, list[tuple[int | None, datetime, int]]] = defaultdict(list)
    for client_id, goal_id, at, pct in await session.execute(
        select(CheckIn.client_id, CheckIn.goal_id, CheckIn.created_at, CheckIn.goal_progress)
        .where(CheckIn.client_id.in_(client_ids), CheckIn.goal_progress.is_not(None))
        .order_by(CheckIn.created_at, CheckIn.id)
    ):
        progress[client_id].append((goal_id, ensure_utc(at), int(pct or 0)))
    risks = await churn_risks(session, client_ids, now=now)
    result = []
    for goal, name in goals:
        assert goal.due_date is not None
        # Check-ins about this goal, and those that name none (imported history, older check-ins).
        points = [(at, pct) for goal_id, at, pct in progress[goal.client_id] if goal_id in (goal.id, None)]
        outlook, reason, band, pace = forecast(points, goal.due_date, goal.progress, now=now)
        risk, churn_reasons = risks.get(goal.client_id, (ChurnRisk.LOW, ()))
        result.append(
            GoalForecast(
                goal_id=goal.id,
                client_id=goal.client_id,
                client_name=name,
                goal=goal.text,
                due_date=goal.due_date,
                progress_now=goal.progress,
                check_ins=len(points),
                projected_pct=None if band is None else round(band[0], 1),
                low_pct=None if band is None else round(band[1], 1),
                high_pct=None if band is None else round(band[2], 1),
                points_per_week=None if pace is None else round(pace, 1),
                outlook=outlook,
                reason=reason,
                churn_risk=risk,
                churn_reasons=churn_reasons,
            )
        )
    return result
