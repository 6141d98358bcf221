"""Streaks, missed check-ins per cadence and timezone, and trend directions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.insights.compute import week_facts
from domain.insights.facts import CheckInRow, ClientProfile, Direction, FlagKind
from domain.insights.trends import expected_check_ins, missed_check_ins, streak, trend

SUNDAY = date(2026, 11, 22)


def days(*offsets: int) -> set[date]:
    return {SUNDAY - timedelta(days=o) for o in offsets}


def test_daily_streak_allows_today_to_be_pending() -> None:
    assert streak(days(1, 2, 3), SUNDAY, "daily") == 3
    assert streak(days(0, 1, 2, 3), SUNDAY, "daily") == 4
    assert streak(days(0, 2, 3), SUNDAY, "daily") == 1


def test_weekday_streak_skips_weekends() -> None:
    # Friday, Thursday, Wednesday checked in; Sunday (today) and Saturday are off days.
    assert streak(days(2, 3, 4), SUNDAY, "weekdays") == 3
    # Monday of this week after last Friday: the weekend does not break it.
    monday = SUNDAY + timedelta(days=1)
    assert streak({monday, *days(2, 3)}, monday, "weekdays") == 3


def test_weekly_streak_counts_seven_day_periods() -> None:
    assert streak(days(2, 9, 16), SUNDAY, "weekly") == 3
    assert streak(days(2, 16), SUNDAY, "weekly") == 1


def test_expected_check_ins_follow_cadence_and_start() -> None:
    start = SUNDAY - timedelta(days=6)
    today = SUNDAY + timedelta(days=1)
    assert expected_check_ins(start, SUNDAY, "daily", since=None, today=today) == 7
    assert expected_check_ins(start, SUNDAY, "weekdays", since=None, today=today) == 5
    assert expected_check_ins(start, SUNDAY, "weekly", since=None, today=today) == 1
    # A client who started on Friday owes only Friday to Sunday; a weekly one owes nothing yet.
    assert expected_check_ins(start, SUNDAY, "daily", since=SUNDAY - timedelta(days=2), today=today) == 3
    assert expected_check_ins(start, SUNDAY, "weekly", since=SUNDAY - timedelta(days=2), today=today) == 0
    # Today is not over: it is not owed yet.
    assert expected_check_ins(start, SUNDAY, "daily", since=None, today=SUNDAY) == 6


def test_missed_check_ins_count_expected_days_only() -> None:
    start = SUNDAY - timedelta(days=6)
    today = SUNDAY + timedelta(days=1)
    # Weekend check-ins do not make up for missed weekdays.
    assert missed_check_ins(days(0, 1, 2, 3), start, SUNDAY, "weekdays", since=None, today=today) == (5, 3)
    assert missed_check_ins(days(0), start, SUNDAY, "weekly", since=None, today=today) == (1, 0)


def test_missed_check_ins_use_the_clients_local_day() -> None:
    # 23:30 in Tokyo on Saturday is 14:30 UTC on Saturday; 01:00 Tokyo Sunday is Saturday 16:00 UTC.
    profile = ClientProfile(1, "Hiro Tanaka", "Asia/Tokyo", "daily", since=date(2026, 11, 1))
    rows = [
        CheckInRow(datetime(2026, 11, 21, 16, 0, tzinfo=UTC), 7, 7, 7.0, "yes"),
        CheckInRow(datetime(2026, 11, 21, 14, 30, tzinfo=UTC), 7, 7, 7.0, "yes"),
    ]
    facts = week_facts(profile, rows, week_ending=SUNDAY, now=datetime(2026, 11, 23, 12, tzinfo=UTC))
    assert facts.week.check_ins == 2
    assert facts.week.missed == 5  # Saturday and Sunday in Tokyo are both covered


def test_trend_direction_and_size() -> None:
    assert trend("mood", 5.0, 7.2).direction is Direction.DOWN
    assert trend("mood", 5.0, 7.2).change == -2.2
    assert trend("mood", 7.1, 7.4).direction is Direction.FLAT
    assert trend("sleep_hours", 7.5, 6.0).direction is Direction.UP
    assert trend("mood", 7.0, None).direction is Direction.UNKNOWN


def test_flags_carry_reasons() -> None:
    profile = ClientProfile(1, "Ana Silva", "UTC", "daily")
    base = datetime(2026, 11, 9, 9, tzinfo=UTC)
    rows = [CheckInRow(base + timedelta(days=d), 8, 8, 7.5, "yes", note="Lovely day") for d in range(7)]
    rows += [
        CheckInRow(base + timedelta(days=7 + d), 3, 4, 6.0, "no", note="Awful, stressed and exhausted.")
        for d in range(0, 7, 2)
    ]
    facts = week_facts(profile, rows, week_ending=SUNDAY, now=datetime(2026, 11, 23, 12, tzinfo=UTC))
    reasons = {f.kind: f.reason for f in facts.flags}
    assert reasons[FlagKind.FALLING_MOOD] == "mood fell from 8 to 3 week over week"
    assert reasons[FlagKind.MISSED_CHECK_INS] == "missed 3 of 7 expected check-ins"
    assert reasons[FlagKind.LOW_ADHERENCE] == "kept to the plan 0% of the time this week"
    assert reasons[FlagKind.NEGATIVE_NOTES] == "4 of 4 notes read negative"
    assert FlagKind.FALLING_ENERGY in reasons
