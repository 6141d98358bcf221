"""A client's recent weeks: daily mood and energy lines, a plan-adherence strip, missed days.

Days without a check-in are gaps: a line is drawn only between two consecutive days that have values.
Each metric also has its own marker shape (mood circles, energy diamonds), so colour is not the only cue.
Drawn with the shared style (``bot.charts.style``): PNG for Slack and files, SVG for the web, PDF for
reports; pixel positions below are those of the PNG. Labels and dates are in the reader's language
(the current locale: the client's for /progress, the coach's in Slack and on the client page), and
so is the alt text.
"""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from bot.charts import style
from conversations.coach_summary import describe_trend
from conversations.i18n import format_percent, use_locale
from conversations.texts import Chart as T
from domain import rules
from domain.insights.series import ClientSeries

WIDTH, HEIGHT = 1200, 675
PLOT_LEFT, PLOT_RIGHT = 96, WIDTH - 36
PLOT_TOP, PLOT_BOTTOM = 118, 488
STRIP_TOP, STRIP_BOTTOM = 556, 584
LOW, HIGH = rules.MOOD_RANGE  # mood and energy share the 1-10 scale
DAY_LABELS_MAX_DAYS = 42  # beyond six weeks a label per day no longer fits; weeks are labelled instead
TITLE_NAME_MAX = 40

MOOD_COLOUR = style.BLUE
ENERGY_COLOUR = style.ORANGE
PLAN_COLOUR = style.GREEN
MISSED_COLOUR = style.RULE
MOOD_LINE_PX, ENERGY_LINE_PX = 6, 3
PX = 72 / style.DPI  # one pixel in points, matplotlib's unit for line widths and marker sizes


_short = style.short_date


def date_range(series: ClientSeries, dash: str = "–") -> str:
    return f"{_short(series.start)} {dash} {_short(series.end)} {series.end.year}"


def title_name(first_name: str) -> str:
    """The first name as the title shows it: cut to TITLE_NAME_MAX characters, "Client" when blank."""
    name = " ".join(first_name[:TITLE_NAME_MAX].split())
    return name or str(T.CLIENT)


def _frame(axes: Axes, series: ClientSeries) -> None:
    days = len(series.days)
    axes.set_xlim(0, days)
    axes.set_ylim(LOW, HIGH)
    for i, day in enumerate(series.days):
        if day.day.weekday() >= 5:
            axes.axvspan(i, i + 1, color=style.colour(style.SHADE), linewidth=0, zorder=0)
    axes.set_yticks(range(LOW, HIGH + 1))
    axes.grid(True, axis="y", color=style.colour(style.GRID), linewidth=1)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left", "bottom"):
        axes.spines[side].set_visible(True)
        axes.spines[side].set_color(style.colour(style.MUTED))
    axes.tick_params(length=0, labelsize=style.TICK_SIZE)
    axes.set_ylabel(str(T.SCORE_AXIS))
    if days <= DAY_LABELS_MAX_DAYS:
        axes.set_xticks([i + 0.5 for i in range(days)], [str(d.day.day) for d in series.days])
        axes.tick_params(axis="x", labelcolor=style.colour(style.MUTED), labelsize=10)
    else:
        axes.set_xticks([])


def _week_labels(figure: Figure, series: ClientSeries) -> None:
    """Each week's dates beneath the plot, or only its first day where the range does not fit."""
    slot_px = (PLOT_RIGHT - PLOT_LEFT) / len(series.days)
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    start = 0
    for week in series.weeks():
        stop = start + len(week)
        room = len(week) * slot_px - 8
        for label in (f"{_short(week[0].day)} – {_short(week[-1].day)}", _short(week[0].day)):
            text = figure.text(
                (PLOT_LEFT + (start + stop) / 2 * slot_px) / WIDTH,
                1 - (PLOT_BOTTOM + 30) / HEIGHT,
                label,
                ha="center",
                va="top",
                fontsize=style.LABEL_SIZE,
            )
            if text.get_window_extent(renderer).width < room:
                break
            text.remove()
        start = stop


def _week_lines(axes: Axes, strip: Axes, series: ClientSeries) -> None:
    start = 0
    for week in series.weeks():
        if start:
            for target in (axes, strip):
                target.axvline(
                    start, color=style.colour(style.RULE), linewidth=2 * PX, linestyle=(0, (3, 2.5)), zorder=1
                )
        start += len(week)


def _metric(
    axes: Axes, series: ClientSeries, metric: str, rgb: style.Rgb, width_px: int, marker: str
) -> None:
    xs: list[float] = []
    ys: list[float] = []
    for i, day in enumerate(series.days):
        value = getattr(day, metric)
        xs.append(i + 0.5)
        # NaN breaks the line: it is never drawn across a day without a check-in.
        ys.append(math.nan if value is None else min(HIGH, max(LOW, value)))
    radius_px = max(3.0, min(7.0, (PLOT_RIGHT - PLOT_LEFT) / len(series.days) / 3))
    # Mood's circle is the larger: where both metrics have the same value, the diamond sits inside it.
    size_px = 2 * radius_px if marker == "o" else 2 * radius_px * 0.6
    axes.plot(
        xs,
        ys,
        color=style.colour(rgb),
        linewidth=width_px * PX,
        marker=marker,
        markersize=size_px * PX,
        markeredgewidth=0.8 * PX if marker == "D" else 0,
        markeredgecolor=style.colour(style.BACKGROUND),
        solid_capstyle="butt",
        zorder=3,
        clip_on=True,
    )


def _plan_strip(strip: Axes, series: ClientSeries) -> None:
    days = len(series.days)
    strip.set_xlim(0, days)
    strip.set_ylim(0, 1)
    strip.set_xticks([])
    strip.set_yticks([0.5], [str(T.PLAN)])
    strip.tick_params(length=0, labelsize=style.TICK_SIZE, labelcolor=style.colour(style.TEXT))
    for side in ("top", "right", "left", "bottom"):
        strip.spines[side].set_visible(False)
    for i, day in enumerate(series.days):
        if day.adherence is not None:
            strip.add_patch(
                Rectangle((i + 0.2, 0), 0.6, 1, fill=False, edgecolor=style.colour(style.GRID), linewidth=PX)
            )
            height = max(0.07, min(1.0, day.adherence))
            strip.add_patch(
                Rectangle((i + 0.2, 0), 0.6, height, color=style.colour(PLAN_COLOUR), linewidth=0)
            )
        elif day.missed:
            strip.plot(
                [i + 0.5],
                [0.5],
                marker="x",
                markersize=12 * PX,
                markeredgewidth=3 * PX,
                color=style.colour(MISSED_COLOUR),
            )


def _legend(axes: Axes) -> None:
    handles = [
        Line2D([], [], color=style.colour(MOOD_COLOUR), linewidth=4 * PX, marker="o", markersize=12 * PX),
        Line2D([], [], color=style.colour(ENERGY_COLOUR), linewidth=4 * PX, marker="D", markersize=9 * PX),
        Patch(color=style.colour(PLAN_COLOUR)),
        Line2D([], [], color=style.colour(MISSED_COLOUR), linestyle="", marker="x", markeredgewidth=2 * PX),
    ]
    labels = [str(T.MOOD), str(T.ENERGY), str(T.PLAN_FOLLOWED), str(T.MISSED)]
    axes.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0, 1.03),
        ncols=4,
        borderaxespad=0,
        handlelength=2,
        columnspacing=1.6,
    )


def render_progress_chart(
    series: ClientSeries, fmt: style.ChartFormat = "png", *, locale: str | None = None
) -> bytes:
    """The chart (WIDTH × HEIGHT pixels as PNG); works for any number of check-ins, even none. In
    ``locale`` (the reader's: a coach's own), else in the current one (the client's, in a chat)."""
    if locale is not None:
        with use_locale(locale):
            return render_progress_chart(series, fmt)
    with style.drawing(WIDTH, HEIGHT) as figure:
        axes = style.axes_at(figure, PLOT_LEFT, PLOT_TOP, PLOT_RIGHT, PLOT_BOTTOM)
        strip = style.axes_at(figure, PLOT_LEFT, STRIP_TOP, PLOT_RIGHT, STRIP_BOTTOM)
        _frame(axes, series)
        _plan_strip(strip, series)
        _week_lines(axes, strip, series)
        _week_labels(figure, series)
        _metric(axes, series, "mood", MOOD_COLOUR, MOOD_LINE_PX, "o")
        _metric(axes, series, "energy", ENERGY_COLOUR, ENERGY_LINE_PX, "D")
        if not series.check_ins:
            style.no_data(axes, str(T.NO_CHECK_INS))
        weeks = len(series.weeks())
        figure.text(
            PLOT_LEFT / WIDTH,
            1 - 22 / HEIGHT,
            T.TITLE.format(
                name=title_name(series.first_name), weeks=T.WEEKS.format(n=weeks), dates=date_range(series)
            ),
            fontsize=style.TITLE_SIZE,
            va="top",
        )
        _legend(axes)
        figure.text(
            (PLOT_LEFT + PLOT_RIGHT) / 2 / WIDTH,
            1 - (STRIP_BOTTOM + 32) / HEIGHT,
            T.FOOTNOTE.format(timezone=series.timezone),
            ha="center",
            va="top",
            fontsize=style.LABEL_SIZE,
            color=style.colour(style.MUTED),
        )
        return style.export(figure, fmt)


def alt_text(series: ClientSeries) -> str:
    """The chart in words for screen readers, from the computed numbers only, in the current locale
    (the reader's)."""
    parts = [
        T.ALT_INTRO.format(name=series.first_name, dates=date_range(series), timezone=series.timezone),
        T.ALT_CHECK_INS.format(
            check_ins=T.CHECK_INS.format(n=series.check_ins),
            days=series.days_checked_in,
            total=T.OF_DAYS.format(n=len(series.days)),
        ),
    ]
    if series.missed_days:
        parts.append(T.ALT_MISSED.format(n=series.missed_days))
    changes = [series.change(metric) for metric in ("mood", "energy")]
    described = [d for d in (describe_trend(c) for c in changes) if d]
    if described:
        compared = all(c.last_week is not None for c in changes if c.this_week is not None)
        lead = T.ALT_COMPARED if compared else T.ALT_WEEKLY
        parts.append(lead.format(trends=", ".join(described)))
    adherence = series.adherence_pct()
    if adherence is not None:
        parts.append(T.ALT_PLAN.format(percent=format_percent(adherence / 100)))
    return " ".join(parts)
