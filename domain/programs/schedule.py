"""When an enrollment's next step is delivered: pure rules over the client's reminder preferences.

- Day 1 is the local date the enrollment started (activation, or enrollment for a client still to pay);
  the step of day N is due on day N at the client's reminder time in their timezone, moved out of quiet
  hours, with the reminders' daylight-saving policy (``domain.reminders.schedule``).
- Steps go out in order and at most one per local day: after downtime or a pause, missed steps catch up
  one a day, each at that day's reminder time (or at once when that time has passed).
- Nothing goes out while reminders are paused or inside quiet hours; steps after day 1 wait for an active
  (paid, not paused) enrollment.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.clock import ensure_utc
from domain.reasons import Reason
from domain.reminders.schedule import (
    in_quiet_hours,
    local_date,
    local_instant,
    parse_hhmm,
    shift_out_of_quiet_hours,
)


@dataclass(frozen=True, slots=True)
class ClientTiming:
    timezone: str
    checkin_time: str
    quiet_hours_start: str | None = None
    quiet_hours_end: str | None = None
    paused_until: datetime | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class ScheduledStep:
    day: int
    key: str
    title: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The next step (index into the steps), when it goes (``at``), whether it goes now, and why."""

    index: int | None
    at: datetime | None
    send: bool
    why: str


def start_date(started_at: datetime, timing: ClientTiming) -> date:
    return local_date(started_at, timing.zone)


def program_day(started_at: datetime, now: datetime, timing: ClientTiming) -> int:
    """Which day of the program ``now`` is for the client (1 on the start date)."""
    return (local_date(now, timing.zone) - start_date(started_at, timing)).days + 1


def slot_on(day: date, timing: ClientTiming) -> datetime:
    """The client's reminder time on local ``day``, out of quiet hours (UTC)."""
    zone = timing.zone
    scheduled = local_instant(day, parse_hhmm(timing.checkin_time), zone)
    return shift_out_of_quiet_hours(scheduled, zone, timing.quiet_hours_start, timing.quiet_hours_end)


def step_due_at(started_at: datetime, day: int, timing: ClientTiming) -> datetime:
    return slot_on(start_date(started_at, timing) + timedelta(days=day - 1), timing)


def ends_at(started_at: datetime, weeks: int, timing: ClientTiming) -> datetime:
    """The first instant after the program's last day (midnight, local)."""
    last = start_date(started_at, timing) + timedelta(days=weeks * 7)
    return local_instant(last, parse_hhmm("00:00"), timing.zone)


def next_step(
    steps: Sequence[ScheduledStep],
    released: Collection[str],
    *,
    last_release_at: datetime | None,
    started_at: datetime,
    timing: ClientTiming,
    now: datetime,
    locked_reason: Reason | str | None = None,
) -> Decision:
    """Whether the first unreleased step goes out at ``now``. ``locked_reason`` (unpaid, paused) holds
    every step after day 1."""
    now = ensure_utc(now)
    index = next((i for i, s in enumerate(steps) if s.key not in released), None)
    if index is None:
        return Decision(None, None, False, "every step has been delivered")
    step = steps[index]
    zone = timing.zone
    today = local_date(now, zone)
    due = step_due_at(started_at, step.day, timing)
    at = due if local_date(due, zone) >= today else slot_on(today, timing)
    catching_up = local_date(due, zone) < today
    label = f"day {step.day} ({step.title})"
    wall = f"{timing.checkin_time} {timing.timezone}"
    if now < at:
        if catching_up:
            return Decision(index, at, False, f"{label} catches up at today's reminder time {wall}")
        return Decision(index, at, False, f"{label} is due {due.astimezone(zone):%Y-%m-%d %H:%M} local")
    if last_release_at is not None and local_date(last_release_at, zone) == today:
        tomorrow = slot_on(today + timedelta(days=1), timing)
        return Decision(index, tomorrow, False, f"{label} waits: one step a day, and one went out today")
    why = f"catching up: {label} was due {local_date(due, zone)}" if catching_up else f"{label} at {wall}"
    if local_date(at, zone) == today and at.astimezone(zone).strftime("%H:%M") != timing.checkin_time:
        why += ", moved by quiet hours or a DST gap"
    if timing.paused_until is not None and ensure_utc(timing.paused_until) > now:
        return Decision(
            index, at, False, f"{why}; paused until {ensure_utc(timing.paused_until):%Y-%m-%d %H:%M}Z"
        )
    if in_quiet_hours(now, zone, timing.quiet_hours_start, timing.quiet_hours_end):
        return Decision(index, at, False, f"{why}; inside quiet hours")
    if locked_reason is not None and step.day > 1:
        return Decision(index, at, False, f"{why}; {locked_reason}")
    return Decision(index, at, True, why)
