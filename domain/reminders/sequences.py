"""A program's email sequence (its front matter's ``email_sequence``: a welcome series on day 0, 2,
7 ...), planned as ``email_sequence`` reminders and sent like any reminder.

Planning adds one reminder row per email for every enrollment that started recently on a version with
a sequence: due ``day`` days after the enrollment became active, keyed ``seq:<enrollment>:<day>``, so
planning again (every run, after a restart, on two workers) adds nothing twice. The dispatcher sends
each row once (compare-and-set out of ``pending`` and the outbox key ``reminder:<id>``) to the
client's confirmed email address, with the unsubscribe link; a client without one, unsubscribed, or
no longer in the program gets nothing (the row is skipped, with the reason).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc, utcnow
from domain.models import Client, Enrollment, EnrollmentProgress, ProgramVersion, Reminder
from domain.models.enums import ClientStatus, EnrollmentStatus, Platform, ReminderStatus
from domain.programs.format import EMAIL_DAY_MAX
from domain.reminders.kinds import ReminderKind

# An email that could not go out within this long after its day (the service was down) is skipped:
# "welcome" a week late reads wrong.
SEQUENCE_GRACE = timedelta(days=1)


def sequence_key(enrollment_id: int, day: int) -> str:
    return f"seq:{enrollment_id}:{day}"


async def plan_email_sequences(session: AsyncSession, *, now: datetime) -> int:
    """Add the missing sequence reminders of enrollments active for at most the longest sequence;
    returns how many were added."""
    now = ensure_utc(now)
    horizon = now - timedelta(days=EMAIL_DAY_MAX) - SEQUENCE_GRACE
    rows = await session.execute(
        select(
            Enrollment.id,
            Enrollment.client_id,
            Enrollment.activated_at,
            ProgramVersion.id,
            ProgramVersion.email_sequence,
        )
        .join(EnrollmentProgress, EnrollmentProgress.enrollment_id == Enrollment.id)
        .join(ProgramVersion, ProgramVersion.id == EnrollmentProgress.version_id)
        .where(
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.activated_at.is_not(None),
            Enrollment.activated_at >= horizon,
            ProgramVersion.email_sequence.is_not(None),
        )
    )
    planned: list[dict[str, Any]] = []
    created = utcnow()
    for enrollment_id, client_id, activated_at, version_id, emails in rows:
        for email in emails or []:
            day = int(email["day"])
            due = ensure_utc(activated_at) + timedelta(days=day)
            if now - due > SEQUENCE_GRACE:
                continue  # long past: never planned, never sent late
            planned.append(
                {
                    "kind": ReminderKind.EMAIL_SEQUENCE.value,
                    "client_id": client_id,
                    "coach_id": None,
                    "due_at": due,
                    "status": ReminderStatus.PENDING.value,
                    "attempts": 0,
                    "payload": {"enrollment_id": enrollment_id, "version_id": version_id, "day": day},
                    "dedupe_key": sequence_key(enrollment_id, day),
                    "created_at": created,
                }
            )
    return await _insert(session, planned)


# The weekly progress summary goes on Mondays at the client's check-in time, to clients who chose email.
SUMMARY_WEEKDAY = 0


def weekly_summary_key(client_id: int, monday: date) -> str:
    return f"weekly-summary:{client_id}:{monday.isoformat()}"


async def plan_weekly_summaries(session: AsyncSession, *, now: datetime) -> int:
    """Plan this week's (if still ahead or within the grace) and next week's summary email of every
    active client who chose email and has a confirmed, not unsubscribed address; returns rows added."""
    now = ensure_utc(now)
    clients = await session.execute(
        select(Client.id, Client.timezone, Client.checkin_time).where(
            Client.status == ClientStatus.ACTIVE,
            Client.preferred_channel == Platform.EMAIL,
            Client.email.is_not(None),
            Client.email_verified_at.is_not(None),
            Client.email_unsubscribed_at.is_(None),
        )
    )
    planned: list[dict[str, Any]] = []
    created = utcnow()
    for client_id, zone_name, checkin_time in clients:
        zone = ZoneInfo(zone_name)
        today = now.astimezone(zone).date()
        monday = today - timedelta(days=(today.weekday() - SUMMARY_WEEKDAY) % 7)
        hour, minute = (int(part) for part in checkin_time.split(":"))
        for week in (monday, monday + timedelta(days=7)):
            due = datetime.combine(week, time(hour, minute), zone).astimezone(UTC)
            if now - due > SEQUENCE_GRACE:
                continue
            planned.append(
                {
                    "kind": ReminderKind.WEEKLY_SUMMARY.value,
                    "client_id": client_id,
                    "coach_id": None,
                    "due_at": due,
                    "status": ReminderStatus.PENDING.value,
                    "attempts": 0,
                    "payload": {"week_of": week.isoformat()},
                    "dedupe_key": weekly_summary_key(client_id, week),
                    "created_at": created,
                }
            )
    return await _insert(session, planned)


async def _insert(session: AsyncSession, planned: list[dict[str, Any]]) -> int:
    """Insert planned reminder rows; a dedupe key already there (planned before) keeps its row."""
    if not planned:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    result = await session.execute(
        dialect.insert(Reminder)
        .values(planned)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Reminder.id)
    )
    return len(result.all())


async def sequence_email(session: AsyncSession, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The email a sequence reminder sends ({subject, text}), or None when the enrollment is over or
    its version no longer has that day's email."""
    enrollment_id = int(payload.get("enrollment_id", 0))
    status = await session.scalar(select(Enrollment.status).where(Enrollment.id == enrollment_id))
    if status != EnrollmentStatus.ACTIVE:
        return None
    emails = await session.scalar(
        select(ProgramVersion.email_sequence).where(ProgramVersion.id == int(payload.get("version_id", 0)))
    )
    day = int(payload.get("day", -1))
    return next((dict(e) for e in emails or [] if int(e.get("day", -2)) == day), None)
