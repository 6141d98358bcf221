"""Read-only views for planning and support: who would be reminded at a minute, and the stored rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc
from domain.models import Client, Coach, Reminder
from domain.models.enums import ClientStatus, ReminderStatus
from domain.reminders.dispatch import checked_in_on
from domain.reminders.kinds import ReminderKind
from domain.reminders.planner import PlannedReminder, client_plan, coach_plan
from domain.reminders.schedule import in_quiet_hours


@dataclass(frozen=True, slots=True)
class DueReminder:
    kind: str
    recipient: str
    due_at: datetime
    would_send: bool
    why: str
    name: str = ""
    """Who ``recipient`` is, by name (the client's display name, the coach's name)."""

    @property
    def who(self) -> str:
        return f"{self.name} ({self.recipient})" if self.name else self.recipient


def _minute(at: datetime) -> tuple[datetime, datetime]:
    start = ensure_utc(at).replace(second=0, microsecond=0)
    return start, start + timedelta(minutes=1)


def _schedule_reason(client: Client, planned: PlannedReminder) -> str:
    what = "follow-up to the" if planned.kind == ReminderKind.CHECKIN_FOLLOWUP else ""
    local = planned.due_at.astimezone(ZoneInfo(client.timezone)).strftime("%H:%M")
    reason = f"{what} {client.checkin_cadence} check-in at {client.checkin_time} {client.timezone}".strip()
    if local != client.checkin_time and planned.kind == ReminderKind.CHECKIN:
        reason += f", moved to {local} by quiet hours or a DST gap"
    return reason


async def reminders_due_at(session: AsyncSession, at: datetime) -> list[DueReminder]:
    """Everyone whose schedule puts a reminder in the minute starting at ``at``, and what would happen."""
    start, end = _minute(at)
    due: list[DueReminder] = []
    clients = (await session.scalars(select(Client).where(Client.status == ClientStatus.ACTIVE))).all()
    for client in clients:
        for planned in client_plan(client, now=start - timedelta(days=1), days=3):
            if not start <= planned.due_at < end:
                continue
            why = _schedule_reason(client, planned)
            send = True
            day = (
                datetime.fromisoformat(str(planned.payload["scheduled_at"]))
                .astimezone(ZoneInfo(client.timezone))
                .date()
            )
            if client.paused_until is not None and ensure_utc(client.paused_until) > start:
                send, why = False, f"{why}; paused until {ensure_utc(client.paused_until).isoformat()}"
            elif in_quiet_hours(
                start, ZoneInfo(client.timezone), client.quiet_hours_start, client.quiet_hours_end
            ):
                send, why = False, f"{why}; inside quiet hours"
            elif await checked_in_on(session, client, day):
                send, why = False, f"{why}; already checked in that day"
            due.append(
                DueReminder(
                    planned.kind, f"client:{client.id}", planned.due_at, send, why, client.display_name
                )
            )
    coaches = (await session.scalars(select(Coach))).all()
    for coach in coaches:
        for planned in coach_plan(coach, now=start - timedelta(days=1), days=3):
            if start <= planned.due_at < end:
                why = f"{coach.digest_cadence} digest at {coach.digest_time} {coach.timezone}"
                due.append(
                    DueReminder(planned.kind, f"coach:{coach.id}", planned.due_at, True, why, coach.name)
                )
    names = {f"client:{c.id}": c.display_name for c in clients} | {f"coach:{c.id}": c.name for c in coaches}
    # Rows not derived from a schedule (re-engagement) or moved by hand are only in the table.
    planned_keys = {(d.kind, d.recipient) for d in due}
    rows = (
        await session.scalars(
            select(Reminder).where(
                Reminder.status == ReminderStatus.PENDING, Reminder.due_at >= start, Reminder.due_at < end
            )
        )
    ).all()
    for row in rows:
        recipient = f"client:{row.client_id}" if row.client_id else f"coach:{row.coach_id}"
        name = names.get(recipient, "")
        if (row.kind, recipient) not in planned_keys:
            due.append(
                DueReminder(row.kind, recipient, ensure_utc(row.due_at), True, "stored reminder", name)
            )
    return sorted(due, key=lambda d: (d.due_at, d.recipient, d.kind))


async def list_reminders(
    session: AsyncSession, *, client_id: int | None = None, coach_id: int | None = None, limit: int = 200
) -> Sequence[Reminder]:
    """Newest due first."""
    query = select(Reminder).order_by(Reminder.due_at.desc(), Reminder.id.desc()).limit(limit)
    if client_id is not None:
        query = query.where(Reminder.client_id == client_id)
    if coach_id is not None:
        query = query.where(Reminder.coach_id == coach_id)
    return (await session.scalars(query)).all()
