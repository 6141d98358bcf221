"""Free slots: where a session can start, from a coach's availability and their busy times.

DST-correct by construction: each window is placed on its local date as wall-clock times in the coach's
timezone (``zoneinfo``) and only then turned into UTC, so "Monday 09:00" stays 09:00 for the coach on
both sides of a clock change; slots inside a window are stepped in real (UTC) time, session plus
buffer, so a window that spans a change holds exactly as many sessions as real hours allow. Wall-clock
times that do not exist (the hour skipped in spring) move to the first real instant after them.

Everything is in aware UTC datetimes; showing a slot in the *client's* timezone is the caller's part.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.booking.availability import Availability


@dataclass(frozen=True, slots=True)
class Interval:
    """A busy time, [start, end) in aware datetimes."""

    start: datetime
    end: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in ``zone``. In the autumn's repeated hour the
    first occurrence counts; in the spring's skipped hour, the instant the clocks jump to."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0)
    utc = first.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != naive:  # skipped: it does not exist locally
        return _gap_end(naive, zone)
    return utc


def _gap_end(naive: datetime, zone: ZoneInfo) -> datetime:
    """The first real instant after a wall-clock time that was skipped (found minute by minute; a gap
    is at most a few hours)."""
    probe = naive
    for _ in range(24 * 60):
        probe += timedelta(minutes=1)
        utc = probe.replace(tzinfo=zone).astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) == probe:
            return utc
    return naive.replace(tzinfo=zone).astimezone(UTC)


def local_blocks(availability: Availability) -> list[Interval]:
    """The availability's one-off blocks as UTC intervals."""
    zone = availability.zone
    return [
        Interval(
            local_instant(b.start.date(), b.start.time(), zone),
            local_instant(b.end.date(), b.end.time(), zone),
        )
        for b in availability.blocks
    ]


def candidate_slots(availability: Availability, *, start_day: date, end_day: date) -> Iterator[datetime]:
    """Every slot start of the weekly hours and exceptions, local days ``start_day`` .. ``end_day``
    (inclusive), in order, ignoring busy time and notice."""
    zone = availability.zone
    length = timedelta(minutes=availability.session_minutes)
    step = length + timedelta(minutes=availability.buffer_minutes)
    day = start_day
    while day <= end_day:
        for window in availability.hours_on(day):
            begin = local_instant(day, window.start, zone)
            finish = local_instant(day, window.end, zone)
            slot = begin
            while slot + length <= finish:
                yield slot
                slot += step
        day += timedelta(days=1)


def free_slots(
    availability: Availability,
    *,
    now: datetime,
    busy: Iterable[Interval] = (),
    limit: int | None = None,
) -> list[datetime]:
    """Slot starts (aware UTC) a client may book at ``now``: inside the hours, at least the notice
    period ahead, within the horizon, and clear of busy time (blocks, booked sessions, the coach's own
    calendar) by at least the buffer."""
    zone = availability.zone
    now = now.astimezone(UTC)
    earliest = now + timedelta(hours=availability.notice_hours)
    horizon_end = now + timedelta(days=availability.horizon_days)
    length = timedelta(minutes=availability.session_minutes)
    buffer = timedelta(minutes=availability.buffer_minutes)
    taken = sorted([*busy, *local_blocks(availability)], key=lambda i: i.start)
    first_day = now.astimezone(zone).date()
    last_day = horizon_end.astimezone(zone).date()
    found: list[datetime] = []
    for slot in candidate_slots(availability, start_day=first_day, end_day=last_day):
        if slot < earliest or slot > horizon_end:
            continue
        if any(i.overlaps(slot - buffer, slot + length + buffer) for i in taken):
            continue
        found.append(slot)
        if limit is not None and len(found) >= limit:
            break
    return found


def is_free(
    availability: Availability, slot: datetime, *, now: datetime, busy: Iterable[Interval] = ()
) -> bool:
    """Whether ``slot`` is one of the free slots at ``now`` (a chosen button re-checked before the hold)."""
    slot = slot.astimezone(UTC)
    zone = availability.zone
    local_day = slot.astimezone(zone).date()
    candidates = candidate_slots(
        availability, start_day=local_day - timedelta(days=1), end_day=local_day + timedelta(days=1)
    )
    if slot not in set(candidates):
        return False
    length = timedelta(minutes=availability.session_minutes)
    buffer = timedelta(minutes=availability.buffer_minutes)
    now = now.astimezone(UTC)
    if slot < now + timedelta(hours=availability.notice_hours):
        return False
    if slot > now + timedelta(days=availability.horizon_days):
        return False
    taken = [*busy, *local_blocks(availability)]
    return not any(i.overlaps(slot - buffer, slot + length + buffer) for i in taken)


def within_notice(availability: Availability, start: datetime, *, now: datetime) -> bool:
    """True while a booked session may still be cancelled or moved (the notice period has not begun)."""
    return start.astimezone(UTC) - now.astimezone(UTC) >= timedelta(hours=availability.notice_hours)
