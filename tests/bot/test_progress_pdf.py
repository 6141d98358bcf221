"""The progress report's pieces: the prediction in the client's words, the PDF in any script."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from bot.reports.pdf import markup
from bot.reports.progress_pdf import outlook, render_progress_report
from domain.analytics.prediction import ChurnRisk, GoalForecast, Outlook
from domain.reports.progress import GoalLine, ProgressReport
from tests.bot.test_progress_chart import four_weeks, series_of

DUE = date(2026, 6, 1)


def forecast(
    kind: Outlook, band: tuple[float, float, float] | None = None, pace: float | None = None
) -> GoalForecast:
    projected, low, high = band or (None, None, None)
    return GoalForecast(
        1,
        1,
        "Ann",
        "Run",
        DUE,
        40,
        5,
        projected,
        low,
        high,
        pace,
        kind,
        "reason for the coach",
        ChurnRisk.LOW,
        (),
    )


@pytest.mark.parametrize(
    ("goal", "expected"),
    [
        (GoalLine(1, "Run", None, DUE, 100, "done"), "Done"),
        (GoalLine(1, "Run", None, None, 10, "active"), "Set a due date to see where you are heading"),
        (
            GoalLine(1, "Run", None, DUE, 10, "active", forecast(Outlook.NOT_ENOUGH_DATA)),
            "Not enough data yet: needs your progress in 3 check-ins on different days",
        ),
        (
            GoalLine(1, "Run", None, DUE, 10, "active", forecast(Outlook.OFF_TRACK)),
            "Off track: the due date has passed",
        ),
        (GoalLine(1, "Run", None, DUE, 100, "active", forecast(Outlook.ON_TRACK)), "On track"),
        (
            GoalLine(1, "Run", None, DUE, 40, "active", forecast(Outlook.AT_RISK, (82.4, 61.0, 100.0), 3.5)),
            "At risk: about 82% by the due date (likely 61–100%), +3.5 points a week",
        ),
    ],
)
def test_the_outlook_in_the_clients_words(goal: GoalLine, expected: str) -> None:
    assert outlook(goal) == expected


def test_markup_escapes_and_switches_fonts_per_script() -> None:
    assert markup("<b>Ann</b> & co") == "&lt;b&gt;Ann&lt;/b&gt; &amp; co"
    assert markup("Ann 李小龙") == 'Ann <font name="NotoSansCJK">李小龙</font>'
    assert markup("محمد علي") == '<font name="NotoSansArabic">محمد علي</font>'


@pytest.mark.parametrize("name", ["Женя", "محمد علي", "李小龙", "さくら", "김민준", "דנה", "प्रिया", "สมชาย"])
def test_names_in_any_script_reach_the_pdf(name: str) -> None:
    report = ProgressReport(
        1,
        name,
        name,
        "UTC",
        "daily",
        date(2026, 1, 1),
        None,
        (GoalLine(1, name, None, None, 0, "active"),),
        series_of(four_weeks(), name=name),
        date(2026, 3, 30),
    )
    reader = PdfReader(io.BytesIO(render_progress_report(report, weeks=4)))
    assert 1 <= len(reader.pages) <= 3
    text = " ".join(p.extract_text() for p in reader.pages)
    if name.isalpha() and not any("\u0590" <= c <= "\u08ff" or "\u0900" <= c <= "\u0e7f" for c in name):
        assert name in text  # scripts without shaping come back as written


def test_the_report_speaks_the_clients_language() -> None:
    report = ProgressReport(
        1,
        "Jonas",
        "Ada",
        "Europe/Berlin",
        "daily",
        date(2026, 1, 1),
        None,
        (),
        series_of(four_weeks()),
        date(2026, 3, 30),
        locale="de",
    )
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(render_progress_report(report, weeks=4))).pages
    )
    assert "Fortschrittsbericht" in text and "Zusammenfassung" in text and "Progress report" not in text


def test_one_check_in_is_said_once() -> None:
    from conversations.progress_summary import summary_lines

    report = ProgressReport(
        1,
        "Ann",
        None,
        "UTC",
        "daily",
        date(2026, 1, 1),
        None,
        (),
        series_of([None] * 27 + [(6.0, 5.0, 1.0)]),
        date(2026, 3, 30),
    )
    assert summary_lines(report, 4)[0] == "You checked in once, on 1 of the 28 days of these 4 weeks."
