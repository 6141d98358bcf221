"""Pure schedule arithmetic: DST in both directions, quiet hours, cadences."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

from domain.reminders.schedule import (
    in_quiet_hours,
    is_scheduled_day,
    local_instant,
    occurrences,
    shift_out_of_quiet_hours,
)
from tests.reminders.conftest import utc

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def test_ordinary_days_follow_the_offset_across_dst() -> None:
    # 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
    assert local_instant(date(2026, 3, 28), time(9, 0), BERLIN) == utc(2026, 3, 28, 8, 0)
    assert local_instant(date(2026, 3, 29), time(9, 0), BERLIN) == utc(2026, 3, 29, 7, 0)
    assert local_instant(date(2026, 10, 25), time(9, 0), BERLIN) == utc(2026, 10, 25, 8, 0)
    assert local_instant(date(2026, 11, 1), time(9, 0), NEW_YORK) == utc(2026, 11, 1, 14, 0)
    assert local_instant(date(2026, 10, 31), time(9, 0), NEW_YORK) == utc(2026, 10, 31, 13, 0)


def test_spring_forward_gap_moves_to_the_first_valid_instant() -> None:
    # Berlin skips 02:00-03:00 on 2026-03-29: 02:30 does not exist, 03:00 CEST (01:00 UTC) is next.
    assert local_instant(date(2026, 3, 29), time(2, 30), BERLIN) == utc(2026, 3, 29, 1, 0)
    # New York skips 02:00-03:00 on 2026-03-08: 02:15 becomes 03:00 EDT (07:00 UTC).
    assert local_instant(date(2026, 3, 8), time(2, 15), NEW_YORK) == utc(2026, 3, 8, 7, 0)


def test_fall_back_ambiguity_takes_the_first_occurrence() -> None:
    # New York repeats 01:00-02:00 on 2026-11-01: 01:30 EDT (05:30 UTC) comes before 01:30 EST.
    assert local_instant(date(2026, 11, 1), time(1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)
    # Berlin repeats 02:00-03:00 on 2026-10-25: 02:30 CEST is 00:30 UTC.
    assert local_instant(date(2026, 10, 25), time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)


def test_cadences() -> None:
    monday, saturday = date(2026, 11, 23), date(2026, 11, 28)
    assert is_scheduled_day("daily", saturday)
    assert is_scheduled_day("weekdays", monday) and not is_scheduled_day("weekdays", saturday)
    assert is_scheduled_day("weekly", monday) and not is_scheduled_day("weekly", date(2026, 11, 24))
    week = occurrences("weekdays", "09:00", "UTC", first_day=monday, days=7)
    assert [d.weekday() for d, _ in week] == [0, 1, 2, 3, 4]
    assert [d for d, _ in occurrences("weekly", "09:00", "UTC", first_day=monday, days=14)] == [
        monday,
        date(2026, 11, 30),
    ]


def test_quiet_hours_wrapping_midnight() -> None:
    zone = ZoneInfo("UTC")
    assert in_quiet_hours(utc(2026, 1, 1, 23, 0), zone, "22:00", "07:00")
    assert in_quiet_hours(utc(2026, 1, 1, 6, 59), zone, "22:00", "07:00")
    assert not in_quiet_hours(utc(2026, 1, 1, 7, 0), zone, "22:00", "07:00")
    assert not in_quiet_hours(utc(2026, 1, 1, 12, 0), zone, None, None)
    # Late evening shifts to tomorrow's end of quiet hours, early morning to today's.
    assert shift_out_of_quiet_hours(utc(2026, 1, 1, 23, 0), zone, "22:00", "07:00") == utc(2026, 1, 2, 7, 0)
    assert shift_out_of_quiet_hours(utc(2026, 1, 1, 5, 0), zone, "22:00", "07:00") == utc(2026, 1, 1, 7, 0)
    # Daytime quiet hours (a meeting block) shift to their end the same day.
    assert shift_out_of_quiet_hours(utc(2026, 1, 1, 12, 0), zone, "11:30", "13:00") == utc(2026, 1, 1, 13, 0)


def test_quiet_hours_end_in_local_time_across_dst() -> None:
    # Quiet until 07:00 Berlin: on the spring-forward morning that is 05:00 UTC, the day before 06:00 UTC.
    assert shift_out_of_quiet_hours(utc(2026, 3, 29, 4, 0), BERLIN, "22:00", "07:00") == utc(
        2026, 3, 29, 5, 0
    )
    assert shift_out_of_quiet_hours(utc(2026, 3, 28, 4, 0), BERLIN, "22:00", "07:00") == utc(
        2026, 3, 28, 6, 0
    )
