"""Tables of analytics metrics, one row per coach, program or week (``coach report coaches|custom``).

Every value comes from the analytics registry (``domain.analytics.metrics``), computed for the row's
scope and period; a metric with several values (per currency, per score) becomes one column per key,
``revenue_net.usd``. A per-coach figure on a row that covers one coach is that coach's value, under the
metric's own name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.metrics import METRICS, MetricValue, Number, compute, metric_names
from domain.analytics.scope import Period, Scope
from domain.models import Coach, Program
from domain.money import to_units

Grouping = Literal["coach", "program", "week"]
GROUPINGS: tuple[Grouping, ...] = ("coach", "program", "week")
# Short names people type, for the metric a report usually means by them.
ALIASES = {
    "adherence": "checkin_adherence",
    "satisfaction": "satisfaction_average",
    "response_time": "response_time_median",
    "revenue": "revenue_net",
    "completion": "program_completion_rate",
    "goal_completion": "goal_completion_rate",
    "load": "client_load",
    "capacity": "capacity_used",
    "churn": "churned_clients",
}
# The coaches report: a coach's load, engagement, outcomes and money, in reading order.
COACH_METRICS = (
    "client_load",
    "capacity_used",
    "active_clients",
    "new_clients",
    "churned_clients",
    "checkin_adherence",
    "response_time_median",
    "response_time_p90",
    "coach_feedback_rate",
    "satisfaction_average",
    "satisfaction_count",
    "goal_completion_rate",
    "program_completion_rate",
    "revenue_net",
    "llm_calls",
)
Progress = Callable[[int, int], None] | None
Key = str | int | date | None
Cell = Number | Decimal | None
MONEY_UNIT = "minor units"


def resolve_metrics(text: str) -> list[str]:
    """``adherence,satisfaction`` → registry names (aliases allowed); ValidationError names unknown ones."""
    names = [ALIASES.get(n.strip(), n.strip()) for n in text.split(",") if n.strip()]
    return list(dict.fromkeys(metric_names(",".join(names))))


@dataclass(frozen=True, slots=True)
class MetricRow:
    key: dict[str, Key]
    """What the row is about: ``coach_id`` and ``coach``, ``program_id``/``program``/``coach_id``, or ``week_start``."""
    values: dict[str, MetricValue]
    coach_id: int | None = None


def weeks_of(period: Period) -> list[Period]:
    """Monday-to-Sunday weeks (UTC) that overlap the period, each cut to the period."""
    start = period.start - timedelta(days=period.start.weekday())
    start = start.replace(hour=0, minute=0, second=0, microsecond=0)
    weeks = []
    while start < period.end:
        end = start + timedelta(days=7)
        weeks.append(Period(max(start, period.start), min(end, period.end), period.now))
        start = end
    return weeks


async def _scopes(
    session: AsyncSession, by: Grouping, period: Period
) -> list[tuple[dict[str, Key], Scope, Period, int | None]]:
    if by == "coach":
        coaches = (await session.execute(select(Coach.id, Coach.name).order_by(Coach.id))).all()
        return [({"coach_id": cid, "coach": name}, Scope(coach_id=cid), period, cid) for cid, name in coaches]
    if by == "program":
        programs = (
            await session.execute(select(Program.id, Program.name, Program.coach_id).order_by(Program.id))
        ).all()
        return [
            ({"program_id": pid, "program": name, "coach_id": cid}, Scope(program_id=pid), period, cid)
            for pid, name, cid in programs
        ]
    return [({"week_start": week.start.date()}, Scope(), week, None) for week in weeks_of(period)]


async def metric_rows(
    session: AsyncSession,
    *,
    by: Grouping,
    names: Sequence[str],
    period: Period,
    progress: Progress = None,
) -> list[MetricRow]:
    """One row per coach, program or week with ``names`` computed for it; ``progress(done, total)``."""
    scopes = await _scopes(session, by, period)
    rows = []
    for done, (key, scope, row_period, coach_id) in enumerate(scopes, start=1):
        rows.append(MetricRow(key, await compute(session, scope, row_period, names), coach_id))
        if progress is not None:
            progress(done, len(scopes))
    return rows


def _columns(name: str, value: MetricValue, coach_id: int | None) -> dict[str, Cell]:
    if not isinstance(value, Mapping):
        return {name: value}
    if coach_id is not None and value and all(k.startswith("coach:") for k in value):
        # The row's own coach; another coach's figure does not belong on it.
        return {name: value.get(f"coach:{coach_id}")}
    if METRICS[name].unit == MONEY_UNIT:  # per currency, shown in currency units (49.00, not 4900)
        return {f"{name}.{cur}": None if v is None else to_units(round(v), cur) for cur, v in value.items()}
    return {f"{name}.{key}": v for key, v in value.items()}


def table(rows: Sequence[MetricRow], names: Sequence[str]) -> tuple[list[str], list[list[Key | Cell]]]:
    """Headers and cells: the row's key columns, then each metric's columns in the order asked."""
    flat = [{n: _columns(n, r.values[n], r.coach_id) for n in names} for r in rows]
    metric_columns: list[str] = []
    for name in names:
        seen: dict[str, None] = {}
        for f in flat:
            seen.update(dict.fromkeys(f[name]))
        # A metric with nothing to show (no payments yet: no currency) still gets its empty column.
        metric_columns += [name] if not seen or list(seen) == [name] else sorted(seen)
    key_columns = list(rows[0].key) if rows else []
    cells = []
    for row, f in zip(rows, flat, strict=True):
        merged = {k: v for per_metric in f.values() for k, v in per_metric.items()}
        cells.append([*row.key.values(), *(merged.get(c) for c in metric_columns)])
    return key_columns + metric_columns, cells


def units(columns: Sequence[str]) -> dict[str, str]:
    """Each metric column's unit, from the registry (money columns are in currency units here)."""
    found = {}
    for column in columns:
        metric = METRICS.get(column.split(".")[0])
        if metric is not None:
            found[column] = "currency units" if metric.unit == MONEY_UNIT else metric.unit
    return found


def default_period(since: date | None, until: date | None, *, now: datetime, days: int = 28) -> Period:
    """The period asked for, or the ``days`` whole UTC days before today (today not over yet)."""
    if since is None and until is None:
        return Period.last_days(days, now=now)
    last = until if until is not None else now.date() - timedelta(days=1)
    first = since if since is not None else last - timedelta(days=days - 1)
    return Period.between(first, last, now=now)
