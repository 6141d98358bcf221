"""The Clients list of the web workspace: each client's last check-in, streak, flags, program progress
and payment standing, for a whole roster in a fixed number of queries (no query per client).

:func:`load_roster` reads (async, a few queries); :func:`compose_roster` computes each client's week
from the insights' own rules (streaks, missed check-ins, risk flags) — CPU work a caller runs in a
thread for a large roster.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc
from domain.insights.compute import local_today, week_facts
from domain.insights.data import active_goal_texts, check_in_rows, profile_of
from domain.insights.facts import CheckInRow, FlagKind, RiskFlag, WeekFacts
from domain.keysets import among
from domain.models import CheckIn, Client, Coach, Enrollment, Message, Payment, Program
from domain.models.enums import ClientStatus, EnrollmentStatus, MessageDirection, PaymentStatus
from domain.services.program_progress import program_glances
from domain.services.program_versions import OPEN_STATUSES
from domain.services.roster import AWAITING_PAYMENT

ROSTER_LIMIT = 500
"""Clients listed at most (by name); a search narrows a larger roster."""
HISTORY_WEEKS = 8
"""Check-ins read per client: this week and the one before for trends; streaks count this far back."""
SEARCH_MAX_CHARS = 100
UNPAID = frozenset({PaymentStatus.FAILED.value, PaymentStatus.PENDING.value, AWAITING_PAYMENT})


class RosterFilter(StrEnum):
    FLAGGED = "flagged"
    MISSED = "missed"
    UNPAID = "unpaid"


@dataclass(frozen=True, slots=True)
class RosterRow:
    client_id: int
    name: str
    status: str
    coach_name: str
    last_check_in_at: datetime | None
    streak: int
    flags: tuple[RiskFlag, ...]
    program: str | None
    payment_status: str | None
    awaiting_reply: bool = False
    """The client wrote after the coach's last reply (or never got one)."""
    facts: WeekFacts | None = None
    """The week the flags were raised from (a page words their reasons from it)."""

    @property
    def missed_check_ins(self) -> bool:
        return any(f.kind == FlagKind.MISSED_CHECK_INS for f in self.flags)

    @property
    def unpaid(self) -> bool:
        return self.payment_status in UNPAID


@dataclass(frozen=True, slots=True)
class RosterData:
    """What :func:`load_roster` read; :func:`compose_roster` turns it into rows."""

    clients: Sequence[tuple[Client, str]]
    goals: dict[int, str]
    rows: dict[int, list[CheckInRow]]
    programs: dict[int, str]
    payments: dict[int, str]
    last_check_ins: dict[int, datetime]
    awaiting_reply: set[int]
    truncated: bool


async def payment_standings(session: AsyncSession, client_ids: Sequence[int]) -> dict[int, str]:
    """Per client, as :func:`domain.services.roster.payment_standing`: the latest payment's status,
    else "awaiting payment" while an enrollment waits for its first payment (two queries)."""
    if not client_ids:
        return {}
    dialect = session.get_bind().dialect.name
    latest = (
        select(func.max(Payment.id))
        .where(among(Payment.client_id.expression, client_ids, dialect))
        .group_by(Payment.client_id)
    )
    standings = {
        client_id: status
        for client_id, status in await session.execute(
            select(Payment.client_id, Payment.status).where(Payment.id.in_(latest))
        )
        if client_id is not None
    }
    waiting = await session.scalars(
        select(Enrollment.client_id)
        .where(
            among(Enrollment.client_id.expression, client_ids, dialect),
            Enrollment.status == EnrollmentStatus.PENDING_PAYMENT,
        )
        .distinct()
    )
    for client_id in waiting:
        standings.setdefault(client_id, AWAITING_PAYMENT)
    return standings


async def last_check_ins(session: AsyncSession, client_ids: Sequence[int]) -> dict[int, datetime]:
    """When each client last checked in, however long ago (one grouped query)."""
    if not client_ids:
        return {}
    dialect = session.get_bind().dialect.name
    rows = await session.execute(
        select(CheckIn.client_id, func.max(CheckIn.created_at))
        .where(among(CheckIn.client_id.expression, client_ids, dialect))
        .group_by(CheckIn.client_id)
    )
    return {client_id: ensure_utc(at) for client_id, at in rows if at is not None}


async def awaiting_reply(session: AsyncSession, client_ids: Sequence[int]) -> set[int]:
    """Clients whose latest message to their coach came after the coach's latest reply (one query)."""
    if not client_ids:
        return set()
    dialect = session.get_bind().dialect.name
    to_coach = func.max(case((Message.direction == MessageDirection.TO_COACH, Message.id)))
    to_client = func.max(case((Message.direction == MessageDirection.TO_CLIENT, Message.id)))
    rows = await session.execute(
        select(Message.client_id, to_coach, to_client)
        .where(among(Message.client_id.expression, client_ids, dialect))
        .group_by(Message.client_id)
    )
    return {
        client_id
        for client_id, last_in, last_out in rows
        if last_in is not None and (last_out is None or last_in > last_out)
    }


async def open_enrollments(session: AsyncSession, client_ids: Sequence[int]) -> dict[int, str]:
    """ "Program · status" of each client's newest open enrollment (one query): the program column of a
    client whose program has no daily steps to count."""
    if not client_ids:
        return {}
    dialect = session.get_bind().dialect.name
    rows = await session.execute(
        select(Enrollment.client_id, Program.name, Enrollment.status)
        .join(Program, Program.id == Enrollment.program_id)
        .where(
            among(Enrollment.client_id.expression, client_ids, dialect), Enrollment.status.in_(OPEN_STATUSES)
        )
        .order_by(Enrollment.id)
    )
    return {client_id: f"{name} · {status.replace('_', ' ')}" for client_id, name, status in rows}


async def load_roster(
    session: AsyncSession, *, coach_id: int | None, search: str = "", now: datetime
) -> RosterData:
    """The clients of ``coach_id`` (every coach's when None) whose name or email contains ``search``,
    at most :data:`ROSTER_LIMIT` by name, with what their row shows."""
    query = (
        select(Client, Coach.name)
        .outerjoin(Coach, Coach.id == Client.coach_id)
        .where(Client.status != ClientStatus.ERASED)
        .order_by(func.lower(Client.display_name), Client.id)
        .limit(ROSTER_LIMIT + 1)
    )
    if coach_id is not None:
        query = query.where(Client.coach_id == coach_id)
    needle = " ".join(search.split())[:SEARCH_MAX_CHARS].lower()
    if needle:
        query = query.where(
            func.lower(Client.display_name).contains(needle, autoescape=True)
            | func.lower(func.coalesce(Client.email, "")).contains(needle, autoescape=True)
        )
    found = [(client, coach_name or "—") for client, coach_name in (await session.execute(query)).all()]
    clients = found[:ROSTER_LIMIT]
    ids = [client.id for client, _ in clients]
    # A day of margin covers every timezone's local dates.
    since = datetime.combine(now.date() - timedelta(weeks=HISTORY_WEEKS, days=1), time.min, tzinfo=UTC)
    return RosterData(
        clients=clients,
        goals=await active_goal_texts(session, ids) if ids else {},
        rows=await check_in_rows(session, ids, since=since),
        programs=await open_enrollments(session, ids) | await program_glances(session, ids, now=now),
        payments=await payment_standings(session, ids),
        last_check_ins=await last_check_ins(session, ids),
        awaiting_reply=await awaiting_reply(session, ids),
        truncated=len(found) > ROSTER_LIMIT,
    )


def compose_roster(
    data: RosterData, *, now: datetime, only: Collection[RosterFilter] = ()
) -> list[RosterRow]:
    """One row per client (CPU work: trends and note sentiment), keeping those that match every filter."""
    rows = []
    for client, coach_name in data.clients:
        checks = data.rows.get(client.id, [])
        facts = week_facts(
            profile_of(client, data.goals.get(client.id)),
            checks,
            week_ending=local_today(now, client.timezone),
            now=now,
        )
        row = RosterRow(
            client_id=client.id,
            name=client.display_name,
            status=client.status,
            coach_name=coach_name,
            last_check_in_at=data.last_check_ins.get(client.id),
            streak=facts.streak,
            flags=tuple(sorted(facts.flags, key=lambda f: f.severity != "act")),
            program=data.programs.get(client.id),
            payment_status=data.payments.get(client.id),
            awaiting_reply=client.id in data.awaiting_reply,
            facts=facts,
        )
        if all(row_matches(row, f) for f in only):
            rows.append(row)
    return rows


def row_matches(row: RosterRow, only: RosterFilter) -> bool:
    """The Clients page's filters: flagged (any risk flag), missed check-ins, unpaid."""
    if only is RosterFilter.FLAGGED:
        return bool(row.flags)
    if only is RosterFilter.MISSED:
        return row.missed_check_ins
    return row.unpaid


async def filter_members(
    session: AsyncSession, clients: Sequence[Client], only: RosterFilter, *, now: datetime
) -> list[int]:
    """The ids of ``clients`` that the Clients page's ``only`` filter keeps, computed by the same rules
    (for announcements to a segment). Reads what the filter needs (a few queries for the whole
    sequence); the week's facts are CPU work, run in a thread here."""
    if not clients:
        return []
    ids = [client.id for client in clients]
    needs_check_ins = only is not RosterFilter.UNPAID
    since = datetime.combine(now.date() - timedelta(weeks=HISTORY_WEEKS, days=1), time.min, tzinfo=UTC)
    data = RosterData(
        clients=[(client, "") for client in clients],
        goals=await active_goal_texts(session, ids) if needs_check_ins else {},
        rows=await check_in_rows(session, ids, since=since) if needs_check_ins else {},
        programs={},
        payments=await payment_standings(session, ids) if only is RosterFilter.UNPAID else {},
        last_check_ins={},
        awaiting_reply=set(),
        truncated=False,
    )
    if not needs_check_ins:
        return [client.id for client in clients if data.payments.get(client.id) in UNPAID]
    rows = await asyncio.to_thread(compose_roster, data, now=now, only=(only,))
    return [row.client_id for row in rows]
