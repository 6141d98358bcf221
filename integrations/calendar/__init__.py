"""Calendar files (.ics) for a client's check-in schedule, made with ``icalendar``."""

from integrations.calendar.ics import CHECKIN_ICS_NAME, checkin_schedule_ics, rrule_for_cadence

__all__ = ["CHECKIN_ICS_NAME", "checkin_schedule_ics", "rrule_for_cadence"]
