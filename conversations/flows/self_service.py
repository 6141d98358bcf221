"""``/progress`` and ``/mydata``: a client looks up their own progress and data in the chat.

``/progress`` sends the computed summary of the last two weeks (this week against the one before,
the same sentences as the progress report PDF; never AI text) and the progress chart as a PNG. The
chart is drawn by the channel layer (``bot.charts``), injected at start-up through :func:`register`,
and rendered in a thread: drawing is CPU work and the event loop never blocks. ``/mydata`` sends the
subject-access export (the one ``coach export`` prints) as a JSON file, the copy the consent promises.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from conversations.flow import REPEAT, Next, Turn
from conversations.i18n import format_day
from conversations.messages import OutgoingFile, OutgoingMessage
from conversations.progress_summary import summary_lines
from conversations.registry import register_command
from conversations.texts import Commands
from conversations.texts import ProgressReport as Report
from conversations.texts import SelfService as T
from domain.insights.series import MIN_CHART_CHECK_INS, ClientSeries
from domain.reports.progress import progress_report
from domain.services.clients import get_client
from domain.services.export import export_client

PROGRESS_WEEKS = 2  # this week and the one before: the summary compares them
CHART_FILE = "progress.png"
CHART_MIME = "image/png"
EXPORT_FILE = "my-data.json"
EXPORT_MIME = "application/json"

ProgressChart = Callable[[ClientSeries], bytes]
"""Draws a client's series as PNG bytes (``bot.charts.progress_chart.render_progress_chart``)."""

_chart: ProgressChart | None = None


async def progress(turn: Turn, _args: str) -> Next:
    assert turn.client_id is not None
    session = await turn.session()
    client = await get_client(session, turn.client_id)
    report = await progress_report(session, client, weeks=PROGRESS_WEEKS, now=turn.now)
    series = report.series
    if not series.check_ins:
        turn.say(T.NO_CHECK_INS_YET)
        return REPEAT
    title = T.PROGRESS_TITLE.format(start=format_day(series.start), end=format_day(series.end))
    lines = [title, *summary_lines(report, PROGRESS_WEEKS)]
    files: tuple[OutgoingFile, ...] = ()
    if not series.chartable:
        lines.append(Report.NO_CHART.format(n=MIN_CHART_CHECK_INS))
    elif _chart is not None:
        png = await asyncio.to_thread(_chart, series)  # CPU work off the event loop
        files = (OutgoingFile(CHART_FILE, png, CHART_MIME),)
    turn.replies.append(OutgoingMessage("\n".join(lines), files=files))
    return REPEAT


async def my_data(turn: Turn, _args: str) -> Next:
    assert turn.client_id is not None
    data = await export_client(await turn.session(), turn.client_id, for_client=True)
    content = json.dumps(data, indent=2, default=str, ensure_ascii=False).encode()
    turn.replies.append(OutgoingMessage(T.MY_DATA, files=(OutgoingFile(EXPORT_FILE, content, EXPORT_MIME),)))
    return REPEAT


def register(chart: ProgressChart | None = None) -> None:
    """Add ``/progress`` and ``/mydata``; ``chart`` is injected by the channel layer (without one,
    ``/progress`` sends the summary only)."""
    global _chart
    if chart is not None:
        _chart = chart
    register_command("/progress", handler=progress, help=Commands.PROGRESS)
    register_command("/mydata", handler=my_data, help=Commands.MYDATA)
