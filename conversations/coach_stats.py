"""A coach's numbers in the reader's language: metric names, definitions and values for ``/coach
stats``, the Monday business summary (Slack) and the web Analytics page, and the weekly chart's alt
text. The figures come from ``domain.analytics``; numbers, dates and money are formatted by Babel for
the current locale, and the words are the :class:`~conversations.texts.Metrics` and
:class:`~conversations.texts.CoachStats` catalogues."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from conversations.i18n import format_amount, format_day, format_decimal
from conversations.reasons import explain
from conversations.texts import Chart, Metrics
from conversations.texts import CoachStats as T
from domain.analytics.metrics import METRICS, MetricValue
from domain.analytics.report import MONEY_UNIT
from domain.analytics.weekly import GoalAttention, WeeklyNumbers, WeekRow

NONE = "–"  # nothing to measure


def label(metric: str) -> str:
    """The metric's name as the Analytics page shows it."""
    return Metrics.LABELS.get(metric, metric)


def week_label(metric: str) -> str:
    """The metric's name in the week's view: a shorter one where there is one."""
    return T.SHORT_LABELS.get(metric) or label(metric)


def definition(metric: str) -> str:
    return Metrics.DEFINITIONS.get(metric) or METRICS[metric].definition


def _number(value: float, unit: str) -> str:
    number = format_decimal(value if isinstance(value, int) else round(value, 1))
    if unit == "%":
        return T.PERCENT.format(number=number)
    if unit == "minutes":
        return T.MINUTES.format(number=number)
    return number


def metric_value(metric: str, value: MetricValue) -> str:
    """``41 %``, ``49.00 USD · 30,00 EUR``, ``1: 0 · 5: 2``, ``–`` for none (money in each currency,
    never converted)."""
    unit = METRICS[metric].unit
    if value is None or (isinstance(value, Mapping) and not value):
        return NONE
    if not isinstance(value, Mapping):
        return _number(value, unit)
    parts = []
    for key, v in value.items():
        if v is None:
            parts.append(f"{key}: {NONE}")
        elif unit == MONEY_UNIT:
            parts.append(format_amount(round(v), key))
        else:
            parts.append(f"{key}: {_number(v, unit)}")
    return " · ".join(parts)


def _signed(value: float, unit: str) -> str:
    if value == 0:
        return "±0"
    sign = "+" if value > 0 else "-"
    number = sign + format_decimal(abs(value))
    if unit == "%":
        return T.POINTS.format(number=number)
    if unit == "minutes":
        return T.MINUTES.format(number=number)
    return number


def change(metric: str, now: MetricValue, before: MetricValue) -> str:
    """This week minus last, signed (``+2``, ``-3.5 pts``, ``+10.00 USD``), or ``–`` when either is empty."""
    unit = METRICS[metric].unit
    if isinstance(now, Mapping) or isinstance(before, Mapping):
        this = now if isinstance(now, Mapping) else {}
        last = before if isinstance(before, Mapping) else {}
        parts = []
        for key in sorted(set(this) | set(last)):
            diff = (this.get(key) or 0) - (last.get(key) or 0)
            if unit == MONEY_UNIT:
                parts.append(("+" if diff > 0 else "") + format_amount(round(diff), key))
            else:
                parts.append(f"{key} {_signed(diff, unit)}")
        return " · ".join(parts) or NONE
    if now is None or before is None:
        return NONE
    diff = now - before
    return _signed(round(diff, 1) if isinstance(diff, float) else diff, unit)


def title(numbers: WeeklyNumbers) -> str:
    return T.TITLE.format(
        start=format_day(date.fromisoformat(numbers.start)), end=format_day(date.fromisoformat(numbers.end))
    )


def context(numbers: WeeklyNumbers) -> str:
    return T.CONTEXT.format(coach=numbers.coach, load=numbers.load)


def compared(row: WeekRow) -> str:
    """``+1 · before 0``: the change and last week's figure."""
    return T.COMPARED.format(
        change=change(row.metric, row.this_week, row.last_week), last=metric_value(row.metric, row.last_week)
    )


def goal_line(goal: GoalAttention, *, client: str | None = None, escape: Callable[[str], str] = str) -> str:
    """``Ana, goal due 1 Mar 2027: off track (why)``; ``client`` in its markup when given, ``escape``
    applied to every other value (Block Kit)."""
    return T.GOAL.format(
        client=escape(goal.client) if client is None else client,
        due=escape(format_day(date.fromisoformat(goal.due_date))),
        outlook=escape(T.OUTLOOKS.get(goal.outlook, goal.outlook)),
        reason=escape(explain(goal.reason)),
    )


def chart_title(coach: str, weeks: int) -> str:
    return T.CHART_TITLE.format(coach=coach or T.COACH, weeks=Chart.WEEKS.format(n=weeks))


def dashboard_alt_text(numbers: WeeklyNumbers) -> str:
    """The weekly chart in words, for screen readers: each panel's weekly values, oldest first."""

    def series(name: str, values: list[float | None], unit: str) -> str:
        shown = ", ".join(NONE if v is None else _number(v, unit) for v in values)
        return T.ALT_SERIES.format(label=name, values=shown)

    weeks = numbers.history
    start = weeks[0].week_start if weeks else numbers.start
    return T.ALT.format(
        coach=numbers.coach,
        start=format_day(date.fromisoformat(start)),
        series="; ".join(
            [
                series(T.ALT_ADHERENCE, [w.adherence_pct for w in weeks], "%"),
                series(T.ALT_RESPONSE, [w.response_median_minutes for w in weeks], "minutes"),
                series(T.ALT_SATISFACTION, [w.satisfaction_avg for w in weeks], ""),
            ]
        ),
    )
