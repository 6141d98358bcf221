"""Changing when and how people are reminded; pending reminders follow the change at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.clock import ensure_utc
from domain.errors import NotFound, ValidationError
from domain.models import Client, Coach
from domain.models.enums import Platform
from domain.reasons.coaching import CoachProblems, ReminderProblems
from domain.reminders.planner import plan_reminders
from domain.services.audit import record_audit_event
from domain.services.clients import get_client
from domain.services.email_verification import email_reachable

# A pause longer than this is more likely a typo than a plan; the coach can archive instead.
MAX_PAUSE_DAYS = 90
REMINDER_CHANNELS = (Platform.TELEGRAM, Platform.SLACK, Platform.EMAIL, Platform.SMS, Platform.CONSOLE)


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: str
    end: str


def check_quiet_hours(start: str, end: str) -> QuietHours:
    start = rules.check_time_of_day(start, "quiet hours start")
    end = rules.check_time_of_day(end, "quiet hours end")
    if start == end:
        raise ValidationError(ReminderProblems.QUIET_HOURS(), field="quiet_hours")
    return QuietHours(start, end)


def check_pause_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_PAUSE_DAYS:
        raise ValidationError(ReminderProblems.PAUSE(most=MAX_PAUSE_DAYS), field="pause")
    return days


def check_channel(channel: str) -> str:
    try:
        value = Platform(channel.strip().lower())
    except ValueError:
        value = None
    if value not in REMINDER_CHANNELS:
        raise ValidationError(ReminderProblems.CHANNEL(), field="channel")
    assert value is not None
    return value.value


async def set_client_reminder_preferences(
    session: AsyncSession,
    client_id: int,
    *,
    now: datetime,
    checkin_time: str | None = None,
    cadence: str | None = None,
    timezone: str | None = None,
    quiet_hours: QuietHours | None = None,
    clear_quiet_hours: bool = False,
    pause_days: int | None = None,
    channel: str | None = None,
) -> Client:
    """Validate and apply the given preferences (others untouched), then re-plan the client's reminders.

    ``clear_quiet_hours`` removes quiet hours; ``pause_days=0`` resumes reminders now.
    """
    client = await get_client(session, client_id)
    now = ensure_utc(now)
    changed: list[str] = []
    if checkin_time is not None:
        client.checkin_time = rules.check_time_of_day(checkin_time, "reminder time")
        changed.append("checkin_time")
    if cadence is not None:
        client.checkin_cadence = rules.check_cadence(cadence)
        changed.append("cadence")
    if timezone is not None:
        client.timezone = rules.check_timezone(timezone)
        changed.append("timezone")
    if clear_quiet_hours:
        client.quiet_hours_start = client.quiet_hours_end = None
        changed.append("quiet_hours")
    elif quiet_hours is not None:
        client.quiet_hours_start, client.quiet_hours_end = quiet_hours.start, quiet_hours.end
        changed.append("quiet_hours")
    if pause_days is not None:
        days = check_pause_days(pause_days)
        client.paused_until = now + timedelta(days=days) if days else None
        changed.append("pause")
    if channel is not None:
        value = check_channel(channel)
        if value == Platform.EMAIL and not email_reachable(client):
            raise ValidationError(ReminderProblems.NO_EMAIL(), field="channel")
        client.preferred_channel = value
        changed.append("channel")
    await session.flush()
    await record_audit_event(
        session,
        actor=f"client:{client_id}",
        action="reminders.preferences",
        subject=f"client:{client_id}",
        details={"changed": changed},
    )
    await plan_reminders(session, now=now, client_ids=[client_id])
    return await get_client(session, client_id)


async def set_coach_digest_preferences(
    session: AsyncSession,
    coach_id: int,
    *,
    now: datetime,
    digest_time: str | None = None,
    cadence: str | None = None,
    timezone: str | None = None,
) -> Coach:
    """For the Slack app's coach settings: when the digest arrives; pending digests are re-planned."""
    coach = await session.get(Coach, coach_id)
    if coach is None:
        raise NotFound(CoachProblems.NO_COACH(coach=coach_id))
    if digest_time is not None:
        coach.digest_time = rules.check_time_of_day(digest_time, "digest time")
    if cadence is not None:
        coach.digest_cadence = rules.check_cadence(cadence)
    if timezone is not None:
        coach.timezone = rules.check_timezone(timezone)
    await session.flush()
    await plan_reminders(session, now=now, coach_ids=[coach_id])
    return coach
