"""Calendar files of booked sessions (``icalendar``): the invite attached to a confirmation, its update
and cancellation, and a coach's whole feed.

An invite keeps its UID for the life of the booking; each change (a new time, a cancellation) raises
SEQUENCE, so calendar apps replace the event they hold instead of adding a second one. The instants
are written in UTC: every calendar shows them in its own timezone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

PRODID = "-//Stripe Coach//Sessions//EN"
UID_DOMAIN = "stripe-coach"
INVITE_FILE_NAME = "session.ics"
INVITE_MIME = "text/calendar"
FEED_NAME = "Coaching sessions"
REMINDER_BEFORE = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """What a calendar needs of one booked session."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    description: str
    video_url: str
    cancelled: bool = False
    organizer_email: str | None = None
    organizer_name: str | None = None
    attendee_email: str | None = None
    attendee_name: str | None = None


def booking_uid(token: str) -> str:
    return f"session-{token}@{UID_DOMAIN}"


def _event(session: SessionEvent, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", session.uid)
    event.add("sequence", session.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", session.start.astimezone(UTC))
    event.add("dtend", session.end.astimezone(UTC))
    event.add("summary", session.summary)
    event.add("description", f"{session.description}\n\n{session.video_url}".strip())
    event.add("location", session.video_url)
    event.add("url", session.video_url)
    event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
    if session.organizer_email:
        organizer = vCalAddress(f"mailto:{session.organizer_email}")
        if session.organizer_name:
            organizer.params["cn"] = vText(session.organizer_name)
        event.add("organizer", organizer)
    if session.attendee_email:
        attendee = vCalAddress(f"mailto:{session.attendee_email}")
        if session.attendee_name:
            attendee.params["cn"] = vText(session.attendee_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee)
    if not session.cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", session.summary)
        alarm.add("trigger", -REMINDER_BEFORE)
        event.add_component(alarm)
    return event


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def invite_ics(session: SessionEvent, *, stamp: datetime) -> bytes:
    """One session as an invite (METHOD:REQUEST), or its cancellation (METHOD:CANCEL)."""
    calendar = _calendar("CANCEL" if session.cancelled else "REQUEST")
    calendar.add_component(_event(session, stamp))
    ical: bytes = calendar.to_ical()
    return ical


def feed_ics(sessions: Iterable[SessionEvent], *, stamp: datetime, name: str = FEED_NAME) -> bytes:
    """A coach's subscription feed (METHOD:PUBLISH): every session, cancelled ones marked so."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        calendar.add_component(_event(session, stamp))
    ical: bytes = calendar.to_ical()
    return ical
