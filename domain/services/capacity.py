"""Client load and capacity: how many active clients each coach has against the most they take, and
which coach a new client without an invite code goes to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.clock import ensure_utc
from domain.models import Client, Coach
from domain.models.enums import ClientStatus, CoachRole
from domain.services.audit import record_audit_event
from domain.services.coaches import default_coach, get_coach
from domain.services.notices import notify_coach

EVERYONE_FULL_NOTICE = (
    "A new client could not start: every coach is at capacity ({coaches}). "
    "Raise a capacity with `coach coaches set-capacity` or add a coach."
)


@dataclass(frozen=True, slots=True)
class CoachLoad:
    coach_id: int
    name: str
    load: int
    capacity: int | None
    new_this_week: int
    is_default: bool

    @property
    def has_room(self) -> bool:
        return self.capacity is None or self.load < self.capacity

    @property
    def shown(self) -> str:
        """``12/20``, or ``12/∞`` without a limit."""
        return f"{self.load}/{self.capacity if self.capacity is not None else '∞'}"


def week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of ``now``'s week."""
    now = ensure_utc(now)
    return datetime.combine(now.date() - timedelta(days=now.weekday()), time(), now.tzinfo)


async def coach_loads(session: AsyncSession, *, now: datetime) -> list[CoachLoad]:
    """Every coach with their active clients, capacity and clients who joined this week, in one query."""
    active = func.count(Client.id).filter(Client.status == ClientStatus.ACTIVE)
    new = func.count(Client.id).filter(Client.created_at >= week_start(now))
    rows = await session.execute(
        select(Coach.id, Coach.name, Coach.capacity, Coach.is_default, active, new)
        .outerjoin(Client, and_(Client.coach_id == Coach.id, Client.status != ClientStatus.ERASED))
        .group_by(Coach.id, Coach.name, Coach.capacity, Coach.is_default)
        .order_by(Coach.id)
    )
    return [
        CoachLoad(coach_id, name, int(load), capacity, int(joined), bool(is_default))
        for coach_id, name, capacity, is_default, load, joined in rows
    ]


@dataclass(frozen=True, slots=True)
class Assignment:
    """The coach a new client goes to; None with ``everyone_full`` when every coach is at capacity (and
    None without it when there is no coach at all)."""

    coach: Coach | None
    everyone_full: bool = False


async def coach_for_new_client(session: AsyncSession, *, now: datetime) -> Assignment:
    """The least-loaded coach with room; ties go to the one with fewest new clients this week, then the
    default coach, then the oldest."""
    loads = await coach_loads(session, now=now)
    if not loads:
        return Assignment(await default_coach(session))
    open_ = [c for c in loads if c.has_room]
    if not open_:
        return Assignment(None, everyone_full=True)
    best = min(open_, key=lambda c: (c.load, c.new_this_week, not c.is_default, c.coach_id))
    return Assignment(await get_coach(session, best.coach_id))


async def report_everyone_full(session: AsyncSession, *, now: datetime) -> None:
    """Tell the admins (or, with none, the default coach) that a newcomer was turned away, once a day
    each, and audit it every time."""
    loads = await coach_loads(session, now=now)
    await record_audit_event(
        session,
        actor="system",
        action="onboarding.coaches_full",
        subject="business",
        details={"coaches": {str(c.coach_id): c.shown for c in loads}},
    )
    admins = list(
        await session.scalars(select(Coach.id).where(Coach.role == CoachRole.ADMIN).order_by(Coach.id))
    )
    if not admins:  # before anyone is made admin, the default coach runs the business
        default = await default_coach(session)
        admins = [default.id] if default is not None else []
    coaches = ", ".join(f"{c.name} {c.shown}" for c in loads)
    text = EVERYONE_FULL_NOTICE.format(coaches=coaches)
    day = ensure_utc(now).date().isoformat()
    for admin_id in admins:
        await notify_coach(
            session,
            coach_id=admin_id,
            kind="coaches_full",
            text=text,
            values={"coaches": coaches},
            dedupe_key=f"notice:coaches_full:{admin_id}:{day}",
        )


async def set_capacity(session: AsyncSession, coach_id: int, capacity: int | None, *, actor: str) -> Coach:
    """Set the most active clients a coach takes (None: no limit); clients beyond it stay."""
    coach = await get_coach(session, coach_id)
    coach.capacity = rules.check_capacity(capacity)
    await record_audit_event(
        session,
        actor=actor,
        action="coach.capacity_set",
        subject=f"coach:{coach.id}",
        details={"capacity": coach.capacity},
    )
    return coach
