"""Turning preferences into reminder rows: the next check-ins, follow-ups and coach digests.

Planning is idempotent: a row's ``dedupe_key`` names the person and the local date, so running the
planner on several workers, or again after a restart, never creates a second reminder for a day.
Pending future rows are reconciled with the current preferences (moved, or dropped when no longer
wanted), so changing a reminder time or pausing takes effect at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc
from domain.models import Client, Coach, Reminder
from domain.models.enums import ClientStatus, ReminderStatus
from domain.reminders.kinds import FOLLOWUP_DELAY, PLANNED_KINDS, PLANNING_DAYS, ReminderKind
from domain.reminders.schedule import local_date, occurrences, shift_out_of_quiet_hours

# Rows per INSERT: 9 bound values each stays far below SQLite's and asyncpg's 32,766-parameter limit.
INSERT_CHUNK = 500


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    kind: str
    due_at: datetime
    dedupe_key: str
    client_id: int | None = None
    coach_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "due_at": self.due_at,
            "dedupe_key": self.dedupe_key,
            "client_id": self.client_id,
            "coach_id": self.coach_id,
            "payload": self.payload,
            "status": ReminderStatus.PENDING.value,
            "attempts": 0,
        }


def checkin_key(client_id: int, day: str) -> str:
    return f"checkin:{client_id}:{day}"


def client_plan(client: Client, *, now: datetime, days: int = PLANNING_DAYS) -> list[PlannedReminder]:
    """Check-in reminders (and their follow-ups) for the client's local days around ``now``.

    Yesterday is included because quiet hours may push yesterday's reminder into today.
    """
    zone = ZoneInfo(client.timezone)
    today = local_date(now, zone)
    plan: list[PlannedReminder] = []
    for day, scheduled in occurrences(
        client.checkin_cadence,
        client.checkin_time,
        client.timezone,
        first_day=today - timedelta(days=1),
        days=days + 1,
    ):
        due = shift_out_of_quiet_hours(scheduled, zone, client.quiet_hours_start, client.quiet_hours_end)
        payload = {"local_date": day.isoformat(), "scheduled_at": scheduled.isoformat()}
        plan.append(
            PlannedReminder(
                ReminderKind.CHECKIN, due, checkin_key(client.id, day.isoformat()), client.id, None, payload
            )
        )
        followup = shift_out_of_quiet_hours(
            due + FOLLOWUP_DELAY, zone, client.quiet_hours_start, client.quiet_hours_end
        )
        # A follow-up pushed into the next day would only compete with that day's reminder.
        if local_date(followup, zone) == day:
            plan.append(
                PlannedReminder(
                    ReminderKind.CHECKIN_FOLLOWUP,
                    followup,
                    f"followup:{client.id}:{day.isoformat()}",
                    client.id,
                    None,
                    dict(payload),
                )
            )
    return plan


def coach_plan(coach: Coach, *, now: datetime, days: int = PLANNING_DAYS) -> list[PlannedReminder]:
    zone = ZoneInfo(coach.timezone)
    today = local_date(now, zone)
    return [
        PlannedReminder(
            ReminderKind.COACH_DIGEST,
            due,
            f"digest:{coach.id}:{day.isoformat()}",
            None,
            coach.id,
            {"local_date": day.isoformat(), "cadence": coach.digest_cadence},
        )
        for day, due in occurrences(
            coach.digest_cadence, coach.digest_time, coach.timezone, first_day=today, days=days
        )
    ]


def wanted(
    plan: Iterable[PlannedReminder], *, now: datetime, paused_until: datetime | None
) -> list[PlannedReminder]:
    """Only future reminders outside a pause: a new or changed schedule never fires for the past."""
    pause_end = ensure_utc(paused_until) if paused_until else None
    return [p for p in plan if p.due_at > now and (pause_end is None or p.due_at >= pause_end)]


async def _insert_missing(session: AsyncSession, rows: Sequence[PlannedReminder]) -> int:
    """Insert rows whose dedupe key is new; an existing key (another worker, a past send) wins."""
    dialect = session.get_bind().dialect.name
    added = 0
    for start in range(0, len(rows), INSERT_CHUNK):
        values = [r.as_row() for r in rows[start : start + INSERT_CHUNK]]
        if dialect == "postgresql":
            pg = (
                postgresql.insert(Reminder)
                .values(values)
                .on_conflict_do_nothing(index_elements=["dedupe_key"])
            )
            result = await session.execute(pg)
        else:
            lite = (
                sqlite.insert(Reminder).values(values).on_conflict_do_nothing(index_elements=["dedupe_key"])
            )
            result = await session.execute(lite)
        added += int(getattr(result, "rowcount", 0) or 0)
    return added


async def plan_reminders(
    session: AsyncSession,
    *,
    now: datetime,
    client_ids: Sequence[int] | None = None,
    coach_ids: Sequence[int] | None = None,
) -> int:
    """Bring pending future reminders in line with everyone's preferences; returns rows added.

    With ``client_ids`` or ``coach_ids`` only those people are re-planned (after a preference change).
    """
    now = ensure_utc(now)
    everyone = client_ids is None and coach_ids is None
    desired: dict[str, PlannedReminder] = {}
    if everyone or client_ids:
        clients_query = select(Client).where(Client.status == ClientStatus.ACTIVE)
        if client_ids is not None:
            clients_query = clients_query.where(Client.id.in_(client_ids))
        for client in (await session.scalars(clients_query)).all():
            for p in wanted(client_plan(client, now=now), now=now, paused_until=client.paused_until):
                desired[p.dedupe_key] = p
    if everyone or coach_ids:
        coaches_query = select(Coach)
        if coach_ids is not None:
            coaches_query = coaches_query.where(Coach.id.in_(coach_ids))
        for coach in (await session.scalars(coaches_query)).all():
            for p in wanted(coach_plan(coach, now=now), now=now, paused_until=None):
                desired[p.dedupe_key] = p

    pending_query = (
        select(Reminder)
        .where(
            Reminder.status == ReminderStatus.PENDING,
            Reminder.kind.in_([k.value for k in PLANNED_KINDS]),
            Reminder.due_at > now,
        )
        .with_for_update(skip_locked=True)
    )
    if not everyone:
        pending_query = pending_query.where(
            Reminder.client_id.in_(client_ids or []) | Reminder.coach_id.in_(coach_ids or [])
        )
    stale_ids: list[int] = []
    for row in (await session.scalars(pending_query)).all():
        plan = desired.pop(row.dedupe_key or "", None)
        if plan is None:
            stale_ids.append(row.id)
        elif ensure_utc(row.due_at) != plan.due_at:
            await session.execute(
                update(Reminder)
                .where(Reminder.id == row.id, Reminder.status == ReminderStatus.PENDING)
                .values(due_at=plan.due_at, payload=plan.payload)
            )
    if stale_ids:
        # Never sent, so nothing of value is lost; the schedule that wanted them no longer does.
        await session.execute(
            delete(Reminder).where(Reminder.id.in_(stale_ids), Reminder.status == ReminderStatus.PENDING)
        )
    added = await _insert_missing(session, list(desired.values()))
    session.expire_all()
    return added
