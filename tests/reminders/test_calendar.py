"""The check-in schedule as .ics, parsed back with icalendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from integrations.calendar import checkin_schedule_ics


def parse(content: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return calendar, event


@pytest.mark.parametrize(
    ("cadence", "rrule", "first"),
    [
        ("daily", {"FREQ": ["DAILY"]}, date(2026, 11, 28)),
        ("weekdays", {"FREQ": ["WEEKLY"], "BYDAY": ["MO", "TU", "WE", "TH", "FR"]}, date(2026, 11, 30)),
        ("weekly", {"FREQ": ["WEEKLY"], "BYDAY": ["MO"]}, date(2026, 11, 30)),
    ],
)
def test_schedule_round_trips(cadence: str, rrule: dict[str, list[str]], first: date) -> None:
    content = checkin_schedule_ics(
        client_id=7,
        timezone="Europe/Berlin",
        checkin_time="07:30",
        cadence=cadence,
        starts_on=date(2026, 11, 28),
    )
    calendar, event = parse(content)
    assert dict(event["RRULE"]) == rrule  # type: ignore[index]
    start = event["DTSTART"].dt  # type: ignore[index]
    assert start == datetime(first.year, first.month, first.day, 7, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"  # type: ignore[index]
    assert event["DURATION"].dt == timedelta(minutes=10)  # type: ignore[index]
    assert str(event["UID"]) == "checkin-schedule-7@stripe-coach"  # type: ignore[index]
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert calendar.walk("VALARM")


def test_recurrence_keeps_local_time_across_dst() -> None:
    content = checkin_schedule_ics(
        client_id=1,
        timezone="America/New_York",
        checkin_time="09:00",
        cadence="daily",
        starts_on=date(2026, 10, 31),
    )
    _, event = parse(content)
    from dateutil.rrule import rrulestr

    start = event["DTSTART"].dt  # type: ignore[index]
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)  # type: ignore[index]
    first, second = rule[0], rule[1]
    assert (first.hour, second.hour) == (9, 9)
    assert (second - first) == timedelta(days=1) and second.utcoffset() != first.utcoffset()
