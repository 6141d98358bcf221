"""The client's progress report as a PDF of one to three A4 pages: profile, summary, chart, goals."""

from __future__ import annotations

from datetime import date
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from bot.charts import style
from bot.charts.progress_chart import HEIGHT as CHART_HEIGHT
from bot.charts.progress_chart import WIDTH as CHART_WIDTH
from bot.charts.progress_chart import render_progress_chart
from bot.reports import pdf
from conversations.i18n import format_day, use_locale
from conversations.progress_summary import summary_lines
from conversations.texts import ProgressReport as T
from domain.analytics.prediction import MIN_POINTS, Outlook
from domain.insights.series import MIN_CHART_CHECK_INS
from domain.models.enums import GoalStatus
from domain.reports.progress import GoalLine, ProgressReport

CONTENT_WIDTH = pdf.PAGE_SIZE[0] - 2 * pdf.MARGIN
TITLE = pdf.paragraph_style("title", size=20, bold=True, spaceAfter=2)
SUBTITLE = pdf.paragraph_style("subtitle", size=11, textColor=pdf.colour(style.MUTED), spaceAfter=10)
HEADING = pdf.paragraph_style("heading", size=13, bold=True, spaceBefore=10, spaceAfter=4)
BODY = pdf.paragraph_style("body", size=10)
CELL = pdf.paragraph_style("cell", size=9)
CELL_BOLD = pdf.paragraph_style("cell-bold", size=9, bold=True)
NOTE = pdf.paragraph_style("note", size=8, textColor=pdf.colour(style.MUTED), spaceBefore=10)


def _p(text: str, paragraph_style: Any = BODY) -> Paragraph:
    return Paragraph(pdf.markup(text), paragraph_style)


def _date(day: date) -> str:
    """``3 Mar 2026`` in the report's language (``03.03.2026``), as the chat shows dates."""
    return format_day(day)


def _grid(rows: list[list[Flowable]], widths: list[float], *, header: bool) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, pdf.colour(style.GRID)),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), pdf.colour(style.SHADE)))
    table.setStyle(TableStyle(commands))
    return table


def _profile(report: ProgressReport) -> Table:
    rows = [
        (T.COACH, report.coach_name or "–"),
        (T.PROGRAM, report.program or T.NO_PROGRAM),
        (T.CLIENT_SINCE, _date(report.client_since)),
        (T.CADENCE, T.CADENCES.get(report.cadence, report.cadence)),
        (T.TIMEZONE, report.timezone),
    ]
    return _grid(
        [[_p(k, CELL_BOLD), _p(v, CELL)] for k, v in rows], [40 * mm, CONTENT_WIDTH - 40 * mm], header=False
    )


def outlook(goal: GoalLine) -> str:
    """The prediction in the client's words, from its numbers (the coach-facing reason is not reused)."""
    if goal.status == GoalStatus.DONE:
        return T.DONE
    forecast = goal.forecast
    if forecast is None:
        return T.NO_DUE_DATE if goal.due_date is None else T.NO_OUTLOOK
    label = T.OUTLOOKS.get(forecast.outlook.value, forecast.outlook.value)
    if forecast.outlook == Outlook.NOT_ENOUGH_DATA:
        return f"{label}: {T.ENOUGH_DATA_NEEDS.format(n=MIN_POINTS)}"
    if forecast.projected_pct is None or forecast.low_pct is None or forecast.high_pct is None:
        # No projection: already at 100 % (on track), or the due date passed short of it (off track).
        return f"{label}: {T.PAST_DUE}" if forecast.outlook == Outlook.OFF_TRACK else label
    projection = T.PROJECTION.format(
        projected=round(forecast.projected_pct),
        low=round(forecast.low_pct),
        high=round(forecast.high_pct),
        pace=f"{forecast.points_per_week or 0:+g}",
    )
    return f"{label}: {projection}"


def _goals(report: ProgressReport) -> Flowable:
    if not report.goals:
        return _p(T.NO_GOALS)
    widths = [58 * mm, 22 * mm, 24 * mm, 20 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    header = [_p(h, CELL_BOLD) for h in (T.GOAL, T.TARGET, T.DUE, T.PROGRESS, T.OUTLOOK)]
    rows = [
        [
            _p(g.text, CELL),
            _p(g.target or "–", CELL),
            _p(_date(g.due_date) if g.due_date else "–", CELL),
            _p(f"{g.progress_pct}%", CELL),
            _p(outlook(g), CELL),
        ]
        for g in report.goals
    ]
    return _grid([header, *rows], widths, header=True)


def render_progress_report(report: ProgressReport, *, weeks: int) -> bytes:
    """The PDF bytes, in the client's language; CPU work (chart and layout), so async callers run it
    in a thread."""
    with use_locale(report.locale):
        return _render(report, weeks)


def _render(report: ProgressReport, weeks: int) -> bytes:
    series = report.series
    story: list[Flowable] = [
        _p(T.TITLE, TITLE),
        _p(
            T.PERIOD.format(name=report.client_name, start=_date(series.start), end=_date(series.end)),
            SUBTITLE,
        ),
        _p(T.PROFILE, HEADING),
        _profile(report),
        _p(T.SUMMARY, HEADING),
        *[_p(line) for line in summary_lines(report, weeks)],
    ]
    chart_heading = _p(T.CHART.format(weeks=weeks), HEADING)
    charts: list[pdf.ChartSlot] = []
    if series.chartable:
        height = CONTENT_WIDTH * CHART_HEIGHT / CHART_WIDTH
        chart = pdf.ChartSlot(render_progress_chart(series, "pdf"), CONTENT_WIDTH, height)
        charts.append(chart)
        story.append(KeepTogether([chart_heading, chart]))
    else:
        story += [chart_heading, _p(T.NO_CHART.format(n=MIN_CHART_CHECK_INS))]
    story += [KeepTogether([_p(T.GOALS, HEADING), _goals(report)]), Spacer(1, 4 * mm)]
    prepared = (
        T.PREPARED_BY.format(coach=report.coach_name, date=_date(report.today))
        if report.coach_name
        else T.PREPARED.format(date=_date(report.today))
    )
    story.append(KeepTogether([_p(prepared, NOTE), _p(T.FOOTNOTE, NOTE)]))
    return pdf.build(story, charts=charts, title=f"{T.TITLE}: {report.client_name}", footer=T.PAGE)
