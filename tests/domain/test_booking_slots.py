"""Free slots from weekly hours: DST on the coach's side and the client's, exceptions, blocks, notice,
buffer, busy time; and the YAML with line-precise errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.i18n import use_locale
from conversations.reasons import explain
from domain.booking.availability import MAX_YAML_CHARS, AvailabilityError, from_dict, parse_availability
from domain.booking.slots import Interval, free_slots, is_free, local_instant, within_notice

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")

HOURS = """\
timezone: America/New_York
session_minutes: 50
buffer_minutes: 10
notice_hours: 24
horizon_days: 21
weekly:
  monday: ["09:00-11:00"]
  wednesday: ["14:00-15:00"]
"""


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekly_hours_give_slots_stepped_by_session_and_buffer() -> None:
    availability = parse_availability(HOURS)
    slots = free_slots(availability, now=utc(2026, 12, 6, 12), limit=3)
    local = [s.astimezone(NEW_YORK) for s in slots]
    assert [f"{s:%a %H:%M}" for s in local] == ["Mon 09:00", "Mon 10:00", "Wed 14:00"]
    assert all(s.tzinfo == UTC for s in slots)


def test_coach_wall_clock_holds_across_the_us_clock_change() -> None:
    """New York springs forward on 2027-03-14: Monday 09:00 is 14:00 UTC before, 13:00 UTC after."""
    availability = parse_availability(HOURS)
    slots = free_slots(availability, now=utc(2027, 3, 5, 12))
    mondays = [s for s in slots if s.astimezone(NEW_YORK).weekday() == 0]
    assert mondays[0] == utc(2027, 3, 8, 14) and mondays[2] == utc(2027, 3, 15, 13)
    assert {f"{s.astimezone(NEW_YORK):%H:%M}" for s in mondays} == {"09:00", "10:00"}


def test_client_side_sees_their_own_clock_shift_on_their_own_dates() -> None:
    """A Berlin client of a New York coach: the US changes on 14 March and the EU on 28 March, so in
    between the same coach slot is an hour earlier for the client."""
    availability = parse_availability(HOURS)
    slots = free_slots(availability, now=utc(2027, 3, 5, 12), limit=None)
    first_monday = {s.astimezone(BERLIN).date(): f"{s.astimezone(BERLIN):%H:%M}" for s in slots[::-1]}
    assert first_monday[date(2027, 3, 8)] == "15:00"  # both on winter time: 6 hours apart
    assert first_monday[date(2027, 3, 15)] == "14:00"  # US on summer time, EU not yet: 5 hours
    assert first_monday[date(2027, 3, 22)] == "14:00"


def test_a_window_across_the_autumn_change_holds_the_real_hours() -> None:
    """Berlin falls back on 2026-10-25 at 03:00: a 01:00-04:00 window is four real hours that night."""
    text = 'timezone: Europe/Berlin\nsession_minutes: 60\nbuffer_minutes: 0\nnotice_hours: 0\nweekly:\n  sunday: ["01:00-04:00"]\n'
    availability = parse_availability(text)
    slots = free_slots(availability, now=utc(2026, 10, 24, 12), limit=10)
    night = [s for s in slots if s < utc(2026, 10, 26)]
    assert len(night) == 4
    assert night[0] == utc(2026, 10, 24, 23)  # 01:00 CEST


def test_a_skipped_wall_time_starts_when_the_clocks_jump() -> None:
    assert local_instant(date(2027, 3, 28), time(2, 30), BERLIN) == utc(2027, 3, 28, 1)  # 03:00 CEST
    assert local_instant(date(2027, 3, 28), time(1, 30), BERLIN) == utc(2027, 3, 28, 0, 30)


def test_exceptions_close_a_day_change_its_hours_and_block_a_time() -> None:
    text = HOURS + (
        "exceptions:\n"
        "  - date: 2026-12-07\n"
        "  - date: 2026-12-09\n"
        '    hours: ["08:00-09:00"]\n'
        "  - from: 2026-12-14 10:00\n"
        "    to: 2026-12-14 10:30\n"
    )
    availability = parse_availability(text)
    local = [
        f"{s.astimezone(NEW_YORK):%m-%d %H:%M}"
        for s in free_slots(availability, now=utc(2026, 12, 6), limit=4)
    ]
    assert local == ["12-09 08:00", "12-14 09:00", "12-16 14:00", "12-21 09:00"]


def test_notice_horizon_and_busy_time_with_buffer() -> None:
    availability = parse_availability(HOURS)
    now = utc(2026, 12, 6, 15)  # Sunday 10:00 in New York; Monday 09:00 is 23 hours away
    slots = free_slots(availability, now=now)
    assert slots[0].astimezone(NEW_YORK).strftime("%a %H:%M") == "Mon 10:00"
    assert max(slots) <= now + timedelta(days=21)
    busy = [Interval(utc(2026, 12, 7, 15, 55), utc(2026, 12, 7, 16, 5))]  # inside 10:00's buffer
    assert utc(2026, 12, 7, 15) not in free_slots(availability, now=now, busy=busy)
    assert not is_free(availability, utc(2026, 12, 7, 15), now=now, busy=busy)
    assert is_free(availability, utc(2026, 12, 9, 19), now=now)
    assert not is_free(availability, utc(2026, 12, 9, 19, 5), now=now)  # not on the grid
    assert within_notice(availability, utc(2026, 12, 9, 19), now=now)
    assert not within_notice(availability, utc(2026, 12, 7, 14), now=now)


def test_stored_form_reads_back_the_same() -> None:
    availability = parse_availability(HOURS + "exceptions:\n  - date: 2026-12-25\n")
    assert from_dict(availability.to_dict()) == availability
    assert parse_availability(availability.to_yaml()) == availability


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("weekly:\n  monday: ['9-12']\n", 2, "09:00-12:30"),
        ("weekly:\n  funday: ['09:00-12:00']\n", 2, "not a weekday"),
        ("timezone: Mars/Olympus\nweekly:\n  monday: ['09:00-12:00']\n", 1, "unknown timezone"),
        ("weekly:\n  monday: ['09:00-12:00']\nsession_minutes: lots\n", 3, "whole number"),
        ("weekly:\n  monday: ['09:00-12:00', '11:00-13:00']\n", 2, "overlap"),
        ("weekly:\n  monday: ['12:00-09:00']\n", 2, "ends before it starts"),
        ("weekly:\n  monday: ['09:00-12:00']\nexceptions:\n  - date: 2026-13-01\n", 4, "2026-12-25"),
        (
            "weekly:\n  monday: ['09:00-12:00']\nexceptions:\n  - from: 2026-12-01 10:00\n    to: 2026-12-01 09:00\n",
            5,
            "end after",
        ),
        ("weekly:\n  monday: ['09:00-12:00']\ncolour: blue\n", 3, "unknown setting"),
        ("weekly:\n  monday: [09:00-12:00\n", 3, "not valid YAML"),
        ("session_minutes: 50\n", 1, "weekly hours are missing"),
        ("weekly:\n  monday: ['09:00-12:00']\nvideo_link: http://example.com\n", 3, "https://"),
    ],
)
def test_yaml_errors_name_their_line(text: str, line: int, words: str) -> None:
    with pytest.raises(AvailabilityError) as caught:
        parse_availability(text)
    assert caught.value.line == line, str(caught.value)
    assert words in caught.value.message


def test_a_yaml_error_keeps_its_english_and_is_said_in_the_coachs_language() -> None:
    text = "weekly:\n  monday: ['09:00-12:00']\nexceptions:\n  - date: 2026-12-25\n    hours: ['09:00-12:00', '11:00-13:00']\n"
    with pytest.raises(AvailabilityError) as caught:
        parse_availability(text)
    exc = caught.value
    assert str(exc) == "line 5: hours on 2026-12-25: 09:00-12:00 and 11:00-13:00 overlap"
    assert exc.message == "hours on 2026-12-25: 09:00-12:00 and 11:00-13:00 overlap"
    assert exc.reason.key == "AvailabilityProblems.OVERLAP"
    assert explain(exc.reason_with_line) == str(exc)
    with use_locale("de"):
        assert (
            explain(exc.reason_with_line)
            == "Zeile 5: die Zeitangabe für 2026-12-25: 09:00-12:00 und 11:00-13:00 überschneiden sich"
        )
    with use_locale("ru"):
        assert (
            explain(exc.reason_with_line)
            == "строка 5: часы на 2026-12-25: 09:00-12:00 и 11:00-13:00 пересекаются"
        )


def test_a_problem_not_on_a_line_has_no_line_in_any_language() -> None:
    with pytest.raises(AvailabilityError) as caught:
        parse_availability("x" * (MAX_YAML_CHARS + 1))
    assert (caught.value.line, str(caught.value)) == (0, "the file is too long (at most 50,000 characters)")
    with use_locale("es"):
        assert (
            explain(caught.value.reason_with_line)
            == "el archivo es demasiado largo (como máximo 50.000 caracteres)"
        )
