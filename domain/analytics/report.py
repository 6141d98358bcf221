"""Every metric for one scope and period, as stable JSON and as short English values (``coach
analytics``, the CLI reports); channels word them in the reader's language (conversations.coach_stats)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.metrics import METRICS, MetricValue, compute
from domain.analytics.prediction import GoalForecast, goal_forecasts
from domain.analytics.scope import Period, Scope
from domain.analytics.usage import DailyUsage, llm_usage_by_coach_and_day
from domain.services.coaches import get_coach, get_program

MONEY_UNIT = "minor units"


@dataclass(frozen=True, slots=True)
class AnalyticsReport:
    scope: Scope
    scope_name: str
    period: Period
    values: dict[str, MetricValue]
    llm_usage: list[DailyUsage]
    forecasts: list[GoalForecast]

    def to_dict(self) -> dict[str, Any]:
        """Stable keys: scope, period, metrics (name → value, unit, definition), llm_usage_by_day,
        goal_forecasts."""
        return {
            "scope": {
                "kind": "program"
                if self.scope.program_id
                else "coach"
                if self.scope.coach_id
                else "business",
                "coach_id": self.scope.coach_id,
                "program_id": self.scope.program_id,
                "name": self.scope_name,
            },
            "period": self.period.to_dict(),
            "metrics": {
                name: {
                    "value": dict(value) if isinstance(value, Mapping) else value,
                    "unit": METRICS[name].unit,
                    "definition": METRICS[name].definition,
                }
                for name, value in self.values.items()
            },
            "llm_usage_by_day": [
                {"coach_id": u.coach_id, "day": u.day, "calls": u.calls, "tokens": u.tokens}
                for u in self.llm_usage
            ],
        }


async def scope_name(session: AsyncSession, scope: Scope) -> str:
    """The coach's or program's name (NotFound for an unknown id), or "Whole business"."""
    if scope.program_id is not None:
        return (await get_program(session, scope.program_id)).name
    if scope.coach_id is not None:
        return (await get_coach(session, scope.coach_id)).name
    return "Whole business"


async def analytics_report(
    session: AsyncSession, scope: Scope, period: Period, names: list[str] | None = None
) -> AnalyticsReport:
    name = await scope_name(session, scope)
    values = await compute(session, scope, period, names)
    if names is not None:  # just the metrics asked for
        return AnalyticsReport(scope, name, period, values, [], [])
    usage = await llm_usage_by_coach_and_day(session, scope, period)
    forecasts = await goal_forecasts(session, scope, now=period.now)
    return AnalyticsReport(scope, name, period, values, usage, forecasts)


def definitions_markdown() -> str:
    """The README's table of metric definitions, generated from the registry (a test keeps them equal)."""
    rows = ["| Metric | Unit | Definition |", "|---|---|---|"]
    rows += [f"| `{m.name}` | {m.unit} | {m.definition.replace('|', '/')} |" for m in METRICS.values()]
    return "\n".join(rows)
