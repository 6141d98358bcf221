"""A coach's weeks at a glance: check-in adherence, response time and client satisfaction, one panel each.

The numbers come from the analytics module; this only draws them. A week without a value (no check-ins,
no client message answered, no feedback) is a gap in that panel, never a zero. Titles, dates and
numbers are in the reader's language (the coach's).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from matplotlib.axes import Axes

from bot.charts import style
from conversations.coach_stats import chart_title
from conversations.i18n import format_decimal, use_locale
from conversations.texts import CoachStats as T

WIDTH, HEIGHT = 1200, 900
PX = 72 / style.DPI
SATISFACTION_RANGE = (1, 5)  # feedback scores


@dataclass(frozen=True, slots=True)
class CoachWeek:
    """One week of a coach's numbers (Monday first); None where the week has nothing to measure."""

    week_start: date
    adherence_pct: float | None
    response_median_minutes: float | None
    satisfaction_avg: float | None


def _values(weeks: Sequence[CoachWeek], field: str) -> list[float]:
    return [math.nan if (v := getattr(w, field)) is None else float(v) for w in weeks]


def _panel(axes: Axes, xs: list[int], ys: list[float], rgb: style.Rgb, marker: str, title: str) -> None:
    style.tidy(axes)
    axes.set_title(title, fontsize=style.LABEL_SIZE + 2, pad=8)
    axes.plot(xs, ys, color=style.colour(rgb), linewidth=3 * PX, marker=marker, markersize=9 * PX, zorder=3)
    if all(math.isnan(y) for y in ys):
        style.no_data(axes, str(T.NOTHING_TO_MEASURE))
    for x, y in zip(xs, ys, strict=True):
        if not math.isnan(y):
            axes.annotate(
                format_decimal(y),
                (x, y),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=style.TICK_SIZE - 1,
                color=style.colour(style.MUTED),
            )


def render_coach_dashboard(
    coach_name: str, weeks: Sequence[CoachWeek], fmt: style.ChartFormat = "png", *, locale: str | None = None
) -> bytes:
    """Three stacked panels over the same weeks (oldest left); works for no weeks at all. In ``locale``
    (the coach's), else in the current one."""
    if locale is not None:
        with use_locale(locale):
            return render_coach_dashboard(coach_name, weeks, fmt)
    with style.drawing(WIDTH, HEIGHT) as figure:
        figure.suptitle(
            chart_title(coach_name[:60], len(weeks)),
            x=0.06,
            ha="left",
            fontsize=style.TITLE_SIZE,
        )
        panels = figure.subplots(
            3,
            1,
            sharex=True,
            gridspec_kw={"hspace": 0.45, "top": 0.88, "bottom": 0.08, "left": 0.08, "right": 0.97},
        )
        xs = list(range(len(weeks)))
        adherence, response, satisfaction = panels
        _panel(
            adherence,
            xs,
            _values(weeks, "adherence_pct"),
            style.GREEN,
            "s",
            str(T.ADHERENCE_PANEL),
        )
        adherence.set_ylim(0, 110)
        _panel(
            response,
            xs,
            _values(weeks, "response_median_minutes"),
            style.BLUE,
            "o",
            str(T.RESPONSE_PANEL),
        )
        response.set_ylim(bottom=0)
        _panel(
            satisfaction,
            xs,
            _values(weeks, "satisfaction_avg"),
            style.ORANGE,
            "D",
            str(T.SATISFACTION_PANEL),
        )
        satisfaction.set_ylim(SATISFACTION_RANGE[0] - 0.3, SATISFACTION_RANGE[1] + 0.6)
        satisfaction.set_xticks(xs, [style.short_date(w.week_start) for w in weeks])
        if not weeks:
            satisfaction.set_xlim(-0.5, 0.5)
        return style.export(figure, fmt)
