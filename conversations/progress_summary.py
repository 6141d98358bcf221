"""A client's progress in sentences, computed from their numbers only (no AI text): the summary of
the progress report PDF and of ``/progress`` in the chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.i18n import format_day, format_percent, use_locale
from conversations.texts import ProgressReport as T
from conversations.texts import SelfService
from domain.insights.summary import describe_trend
from domain.models import Client
from domain.models.enums import GoalStatus
from domain.reports.progress import ProgressReport, progress_report

WEEKLY_SUMMARY_WEEKS = 2  # this week and the one before, as /progress


async def weekly_summary_payload(
    session: AsyncSession, client: Client, now: datetime
) -> dict[str, Any] | None:
    """The weekly progress summary email of ``client`` (the /progress sentences, in their language,
    the title as subject), or None without check-ins in the period."""
    with use_locale(client.locale):
        report = await progress_report(session, client, weeks=WEEKLY_SUMMARY_WEEKS, now=now)
        series = report.series
        if not series.check_ins:
            return None
        title = SelfService.PROGRESS_TITLE.format(start=format_day(series.start), end=format_day(series.end))
        text = "\n".join([title, *summary_lines(report, WEEKLY_SUMMARY_WEEKS)])
        return {"text": text, "buttons": [], "url_buttons": [], "files": [], "subject": title.rstrip(":")}


def summary_lines(report: ProgressReport, weeks: int) -> list[str]:
    """The summary in sentences, from the computed numbers only."""
    series = report.series
    if not series.check_ins:
        lines = [T.NO_CHECK_INS.format(weeks=weeks)]
    elif series.check_ins == 1:
        lines = [T.CHECK_IN_ONCE.format(total=len(series.days), weeks=weeks)]
    else:
        lines = [
            T.CHECK_INS.format(
                check_ins=series.check_ins, days=series.days_checked_in, total=len(series.days), weeks=weeks
            )
        ]
    if series.missed_days:
        lines.append(T.MISSED.format(missed=series.missed_days))
    changes = [series.change(metric) for metric in ("mood", "energy")]
    described = [d for d in (describe_trend(c) for c in changes) if d]
    if described:
        compared = all(c.last_week is not None for c in changes if c.this_week is not None)
        lines.append((T.FEELING if compared else T.FEELING_ONE_WEEK).format(trends=", ".join(described)))
    adherence = series.adherence_pct()
    if adherence is not None:
        lines.append(T.PLAN.format(percent=format_percent(adherence / 100)))
    if report.goals:
        done = sum(g.status == GoalStatus.DONE for g in report.goals)
        lines.append(T.GOALS_DONE.format(done=done, total=len(report.goals)))
    return lines
