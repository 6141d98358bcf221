"""The registry of metrics: name → function, with the one-line definition (the function's docstring).

Every metric is computed from the database for a ``Scope`` (a coach, a program or the whole business)
and a ``Period``. A value is a number, null (nothing to measure, e.g. no feedback yet), or a mapping of
labels (a currency, a score, ``coach:ID``) to numbers or nulls. Names and keys are stable: reports,
``coach analytics --json`` and the web page rely on them.

    from domain.analytics.metrics import METRICS, compute
    values = await compute(session, Scope(coach_id=3), Period.between(since, until, now=utcnow()))
    METRICS["checkin_adherence"].definition
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics import clients, outcomes, responses, revenue, usage
from domain.analytics.scope import Period, Scope
from domain.errors import ValidationError

Number = int | float
MetricValue = Number | None | Mapping[str, Number | None]
MetricFunction = Callable[[AsyncSession, Scope, Period], Awaitable[MetricValue]]


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    unit: str
    compute: MetricFunction

    @property
    def definition(self) -> str:
        """The function's docstring, which is the metric's one-line definition."""
        return " ".join((inspect.getdoc(self.compute) or "").split())


def _metric(name: str, unit: str, compute: Callable[..., Awaitable[object]]) -> Metric:
    return Metric(name, unit, compute)  # type: ignore[arg-type]  # narrower returns are fine


# In the order people read them: clients, engagement, outcomes, money, load, cost.
METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        _metric("active_clients", "clients", clients.active_clients),
        _metric("new_clients", "clients", clients.new_clients),
        _metric("churned_clients", "clients", clients.churned_clients),
        _metric("reactivated_clients", "clients", clients.reactivated_clients),
        _metric("checkin_adherence", "%", clients.checkin_adherence),
        _metric("response_time_median", "minutes", responses.response_time_median),
        _metric("response_time_p90", "minutes", responses.response_time_p90),
        _metric("coach_feedback_rate", "%", responses.coach_feedback_rate),
        _metric("satisfaction_average", "score", outcomes.satisfaction_average),
        _metric("satisfaction_count", "scores", outcomes.satisfaction_count),
        _metric("satisfaction_distribution", "scores", outcomes.satisfaction_distribution),
        _metric("satisfaction_top_share", "%", outcomes.satisfaction_top_share),
        _metric("goal_completion_rate", "%", outcomes.goal_completion_rate),
        _metric("program_completion_rate", "%", outcomes.program_completion_rate),
        _metric("mood_change", "points", clients.mood_change),
        _metric("energy_change", "points", clients.energy_change),
        _metric("revenue_gross", "minor units", revenue.revenue_gross),
        _metric("revenue_refunds", "minor units", revenue.revenue_refunds),
        _metric("revenue_net", "minor units", revenue.revenue_net),
        _metric("mrr", "minor units", revenue.mrr),
        _metric("arpu", "minor units", revenue.arpu),
        _metric("failed_payment_rate", "%", revenue.failed_payment_rate),
        _metric("client_load", "clients", clients.client_load),
        _metric("capacity_used", "%", clients.capacity_used),
        _metric("llm_calls", "calls", usage.llm_calls),
        _metric("llm_tokens", "tokens", usage.llm_tokens),
    )
}


def metric_names(text: str) -> list[str]:
    """Parse ``adherence,satisfaction_average``-style lists; every name must be a known metric."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in METRICS]
    if unknown or not names:
        raise ValidationError(
            f"unknown metric {', '.join(unknown) or '(none given)'}; known: {', '.join(METRICS)}",
            field="metrics",
        )
    return names


async def compute(
    session: AsyncSession, scope: Scope, period: Period, names: Iterable[str] | None = None
) -> dict[str, MetricValue]:
    """The named metrics (default: all), in registry order."""
    wanted = set(METRICS) if names is None else set(names)
    unknown = wanted - set(METRICS)
    if unknown:
        raise ValidationError(f"unknown metric {', '.join(sorted(unknown))}", field="metrics")
    return {name: await m.compute(session, scope, period) for name, m in METRICS.items() if name in wanted}


def flatten(name: str, value: MetricValue) -> dict[str, Number | None]:
    """A value as flat columns: ``revenue_net.usd``, ``satisfaction_distribution.5``; a number keeps its name."""
    if isinstance(value, Mapping):
        return {f"{name}.{key}": v for key, v in value.items()}
    return {name: value}


def definitions() -> dict[str, str]:
    return {name: m.definition for name, m in METRICS.items()}
