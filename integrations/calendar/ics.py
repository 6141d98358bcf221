"""A client's check-in schedule as one recurring event in their own timezone.

The event carries a VTIMEZONE and a TZID'd DTSTART, so calendar apps keep it at the chosen wall-clock
time across daylight-saving changes, exactly like the reminders themselves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vRecur

from domain.models.enums import Cadence
from domain.reminders.schedule import WEEKLY_WEEKDAY, is_scheduled_day, parse_hhmm

CHECKIN_ICS_NAME = "checkin-schedule.ics"
CHECKIN_EVENT_MINUTES = 10
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PRODID = "-//Stripe Coach//Check-in schedule//EN"


def rrule_for_cadence(cadence: str) -> vRecur:
    if cadence == Cadence.WEEKDAYS:
        return vRecur({"FREQ": "WEEKLY", "BYDAY": list(_ICAL_DAYS[:5])})
    if cadence == Cadence.WEEKLY:
        return vRecur({"FREQ": "WEEKLY", "BYDAY": [_ICAL_DAYS[WEEKLY_WEEKDAY]]})
    return vRecur({"FREQ": "DAILY"})


def _first_day(cadence: str, starts_on: date) -> date:
    day = starts_on
    while not is_scheduled_day(cadence, day):
        day += timedelta(days=1)
    return day


def checkin_schedule_ics(
    *,
    client_id: int,
    timezone: str,
    checkin_time: str,
    cadence: str,
    starts_on: date,
    title: str = "Check-in with your coach",
    description: str = "Reply to the bot with /checkin. Change the time with /settings.",
    stamp: datetime | None = None,
) -> bytes:
    """The schedule as an iCalendar file. The UID is stable per client, so a new file replaces the old.
    ``title`` and ``description`` are what the calendar shows: the settings flow passes them in the
    client's language."""
    zone = ZoneInfo(timezone)
    first = _first_day(cadence, starts_on)
    start = datetime.combine(first, parse_hhmm(checkin_time), tzinfo=zone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"checkin-schedule-{client_id}@stripe-coach")
    event.add("dtstamp", stamp or datetime.now(UTC))
    event.add("dtstart", start)
    event.add("duration", timedelta(minutes=CHECKIN_EVENT_MINUTES))
    event.add("summary", title)
    event.add("description", description)
    event.add("rrule", rrule_for_cadence(cadence))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", timedelta(0))
    event.add_component(alarm)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical
