"""A digest's period from the coach's cadence, and the time a digest reports on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.insights.period import DigestPeriod, digest_end, digest_title, digest_window, period_for_cadence

BERLIN = "Europe/Berlin"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("cadence", "period"), [("daily", "day"), ("weekdays", "day"), ("weekly", "week")])
def test_the_period_follows_the_digest_cadence(cadence: str, period: str) -> None:
    assert period_for_cadence(cadence) == period


def test_titles_name_the_period() -> None:
    assert digest_title(DigestPeriod.DAY, date(2026, 11, 27)) == "Daily digest for 2026-11-27"
    assert (
        digest_title(DigestPeriod.WEEK, date(2026, 11, 22)) == "Weekly digest for the week ending 2026-11-22"
    )


@pytest.mark.parametrize(
    ("end", "words"),
    [
        (utc(2026, 11, 27, 7, 0), "since yesterday morning"),  # 08:00 in Berlin
        (utc(2026, 11, 27, 13, 30), "since yesterday afternoon"),
        (utc(2026, 11, 27, 18, 0), "since yesterday evening"),  # 19:00 in Berlin
    ],
)
def test_a_daily_digest_covers_the_day_since_the_previous_one(end: datetime, words: str) -> None:
    window = digest_window(DigestPeriod.DAY, end, BERLIN, "daily")
    assert (window.start, window.end, window.words) == (end - timedelta(days=1), end, words)
    assert window.covers(end - timedelta(days=1)) and not window.covers(end)


def test_across_a_clock_change_the_day_is_wall_clock_time() -> None:
    # 08:00 on Sunday 29 March 2026 (summer time began at 02:00) back to 08:00 on Saturday: 23 hours.
    window = digest_window(DigestPeriod.DAY, utc(2026, 3, 29, 6, 0), BERLIN, "daily")
    assert window.start == utc(2026, 3, 28, 7, 0)


def test_a_weekdays_digest_on_monday_covers_the_weekend() -> None:
    monday = utc(2026, 11, 30, 7, 0)
    window = digest_window(DigestPeriod.DAY, monday, BERLIN, "weekdays")
    assert (window.start, window.words) == (utc(2026, 11, 27, 7, 0), "since Friday morning")
    tuesday = digest_window(DigestPeriod.DAY, monday + timedelta(days=1), BERLIN, "weekdays")
    assert tuesday.start == monday and tuesday.words == "since yesterday morning"
    # A weekly coach asking for a day gets the last 24 hours.
    assert digest_window(DigestPeriod.DAY, monday, BERLIN, "weekly").start == monday - timedelta(days=1)


def test_a_past_date_is_reported_as_that_whole_day() -> None:
    end = digest_end(date(2026, 11, 22), BERLIN, utc(2026, 11, 27, 7, 0))
    assert end == utc(2026, 11, 22, 23, 0)  # midnight in Berlin
    window = digest_window(DigestPeriod.DAY, end, BERLIN, "daily")
    assert (window.start, window.words) == (utc(2026, 11, 21, 23, 0), "on 2026-11-22")
    # Today (or a future date) ends now.
    now = utc(2026, 11, 27, 7, 0)
    assert digest_end(date(2026, 11, 27), BERLIN, now) == now
    sunday = digest_end(date(2026, 11, 29), BERLIN, utc(2026, 12, 5, 7, 0))
    assert (
        digest_window(DigestPeriod.DAY, sunday, BERLIN, "weekdays").words == "from 2026-11-27 to 2026-11-29"
    )


def test_a_weekly_window_is_the_seven_days_before() -> None:
    end = utc(2026, 11, 30, 7, 0)
    window = digest_window(DigestPeriod.WEEK, end, BERLIN, "weekly")
    assert (window.start, window.words) == (end - timedelta(days=7), "this week")
