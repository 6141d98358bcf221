"""Turning preferences into reminder rows: the next check-ins, follow-ups and coach digests.

Planning is idempotent: a row's ``dedupe_key`` names the person and the local date, so running the
planner on several workers, or again after a restart, never creates a second reminder for a day.
Pending future rows are reconciled with the current preferences (moved, or dropped when no longer
wanted), so changing a reminder time or pausing takes effect at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    Column,
    Select,
    Table,
    bindparam,
    delete,
    func,
    select,
    text,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc, time_zone, utcnow
from domain.db import Database
from domain.keysets import among, analyze
from domain.models import Client, Coach, Reminder
from domain.models.enums import ClientStatus, ReminderStatus
from domain.reminders.kinds import FOLLOWUP_DELAY, PLANNED_KINDS, PLANNING_DAYS, ReminderKind
from domain.reminders.schedule import local_date, occurrences, shift_out_of_quiet_hours

# People planned per step: their rows are read, compared and written together, then the event loop
# gets a turn (and, in a full pass, the transaction commits), so nothing holds all clients in memory.
PLANNING_CHUNK = 500
# A pass that adds this many rows refreshes the table's statistics for the query planner.
ANALYZE_AFTER_ROWS = 10_000

_REMINDERS = cast(Table, Reminder.__table__)
_CLIENTS = cast(Table, Client.__table__)
_COACHES = cast(Table, Coach.__table__)


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    kind: str
    due_at: datetime
    dedupe_key: str
    client_id: int | None = None
    coach_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def checkin_key(client_id: int, day: str) -> str:
    return f"checkin:{client_id}:{day}"


@dataclass(frozen=True, slots=True)
class ClientTimes:
    """What planning reads of a client (one row of a chunk, not an ORM object)."""

    id: int
    timezone: str
    checkin_cadence: str
    checkin_time: str
    quiet_hours_start: str | None
    quiet_hours_end: str | None
    paused_until: datetime | None


@dataclass(frozen=True, slots=True)
class CoachTimes:
    """What planning reads of a coach."""

    id: int
    timezone: str
    digest_cadence: str
    digest_time: str


_CLIENT_COLUMNS = [_CLIENTS.c[name] for name in ClientTimes.__slots__]
_COACH_COLUMNS = [_COACHES.c[name] for name in CoachTimes.__slots__]


@lru_cache(maxsize=8192)
def _checkin_times(
    timezone: str,
    cadence: str,
    at: str,
    quiet_start: str | None,
    quiet_end: str | None,
    now: datetime,
    days: int,
) -> tuple[tuple[str, datetime, str, str], ...]:
    """(kind, due, local date, scheduled instant) of everyone with these preferences at ``now``.

    Clients share preferences by the thousand, so a planning pass does the time arithmetic once per
    distinct set (cached) instead of once per client.
    """
    zone = time_zone(timezone)
    today = local_date(now, zone)
    times: list[tuple[str, datetime, str, str]] = []
    for day, scheduled in occurrences(
        cadence, at, timezone, first_day=today - timedelta(days=1), days=days + 1
    ):
        due = shift_out_of_quiet_hours(scheduled, zone, quiet_start, quiet_end)
        times.append((ReminderKind.CHECKIN, due, day.isoformat(), scheduled.isoformat()))
        followup = shift_out_of_quiet_hours(due + FOLLOWUP_DELAY, zone, quiet_start, quiet_end)
        # A follow-up pushed into the next day would only compete with that day's reminder.
        if local_date(followup, zone) == day:
            times.append((ReminderKind.CHECKIN_FOLLOWUP, followup, day.isoformat(), scheduled.isoformat()))
    return tuple(times)


def client_plan(
    client: Client | ClientTimes, *, now: datetime, days: int = PLANNING_DAYS
) -> list[PlannedReminder]:
    """Check-in reminders (and their follow-ups) for the client's local days around ``now``.

    Yesterday is included because quiet hours may push yesterday's reminder into today.
    """
    times = _checkin_times(
        client.timezone,
        client.checkin_cadence,
        client.checkin_time,
        client.quiet_hours_start,
        client.quiet_hours_end,
        ensure_utc(now),
        days,
    )
    prefix = {ReminderKind.CHECKIN: "checkin", ReminderKind.CHECKIN_FOLLOWUP: "followup"}
    return [
        PlannedReminder(
            kind,
            due,
            f"{prefix[ReminderKind(kind)]}:{client.id}:{day}",
            client.id,
            None,
            {"local_date": day, "scheduled_at": scheduled},
        )
        for kind, due, day, scheduled in times
    ]


def coach_plan(
    coach: Coach | CoachTimes, *, now: datetime, days: int = PLANNING_DAYS
) -> list[PlannedReminder]:
    zone = time_zone(coach.timezone)
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


# A chunk's new rows travel as one JSON array of [kind, due, key, client, coach, payload] rows, unpacked
# by the database: it is encoded in the worker thread, so the event loop only sends one string
# (binding thousands of values one by one, and serialising each payload, held the loop for long).
# jsonb on PostgreSQL: parsed once, where each ->> on json parses the row again (30 % slower).
_INSERT_JSON_POSTGRES = text(
    """
    INSERT INTO reminders (kind, due_at, dedupe_key, client_id, coach_id, payload, status, attempts,
        created_at)
    SELECT r->>0, CAST(r->>1 AS timestamptz), r->>2, CAST(r->>3 AS integer), CAST(r->>4 AS integer),
        CAST(r->5 AS json), :status, 0, :created
    FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS r
    ON CONFLICT (dedupe_key) DO NOTHING
    """
).bindparams(bindparam("created", type_=_REMINDERS.c.created_at.type))
# SQLite stores a UTC instant as naive text (see domain.models.base.UTCDateTime); the rows carry it
# in that form. ``WHERE true`` tells SQLite's parser the ON CONFLICT belongs to the INSERT.
_INSERT_JSON_SQLITE = text(
    """
    INSERT INTO reminders (kind, due_at, dedupe_key, client_id, coach_id, payload, status, attempts,
        created_at)
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
        json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
        :status, 0, :created
    FROM json_each(:rows) WHERE true
    ON CONFLICT (dedupe_key) DO NOTHING
    """
).bindparams(bindparam("created", type_=_REMINDERS.c.created_at.type))


def _stored_instant(instant: datetime, dialect: str) -> str:
    if dialect == "postgresql":
        return instant.isoformat()
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


async def _insert_missing(session: AsyncSession, rows_json: str) -> int:
    """Insert the rows (a JSON array, see :class:`_Slot`) whose dedupe key is new; an existing key (another
    worker, a past send) wins. One cached statement whatever the number of rows."""
    dialect = session.get_bind().dialect.name
    added = await session.execute(
        _INSERT_JSON_POSTGRES if dialect == "postgresql" else _INSERT_JSON_SQLITE,
        {"rows": rows_json, "status": ReminderStatus.PENDING.value, "created": utcnow()},
    )
    return int(getattr(added, "rowcount", 0) or 0)


_MOVE = (
    update(_REMINDERS)
    .where(_REMINDERS.c.id == bindparam("_id"), _REMINDERS.c.status == ReminderStatus.PENDING.value)
    .values(due_at=bindparam("due_at"), payload=bindparam("payload"))
)


@dataclass(frozen=True, slots=True)
class _Slot:
    """One future reminder shared by everyone with the same preferences, ready to be made a person's:
    their dedupe key is ``key_head + id + key_tail``, their row (JSON) ``row_head + id + row_mid + id
    + row_tail``."""

    due_at: datetime
    payload: dict[str, Any]
    key_head: str
    key_tail: str
    row_head: str
    row_mid: str
    row_tail: str


_KEY_PREFIX = {ReminderKind.CHECKIN: "checkin", ReminderKind.CHECKIN_FOLLOWUP: "followup"}


@lru_cache(maxsize=8192)
def _client_slots(
    timezone: str,
    cadence: str,
    at: str,
    quiet_start: str | None,
    quiet_end: str | None,
    now: datetime,
    dialect: str,
) -> tuple[_Slot, ...]:
    """The future reminders of everyone with these preferences, keys and rows all but written: per
    client, a planning pass only puts their id in (and leaves out what a pause holds back)."""
    slots = []
    for kind, due, day, scheduled in _checkin_times(
        timezone, cadence, at, quiet_start, quiet_end, now, PLANNING_DAYS
    ):
        if due <= now:
            continue
        payload = {"local_date": day, "scheduled_at": scheduled}
        prefix = _KEY_PREFIX[ReminderKind(kind)]
        head = json.dumps([kind, _stored_instant(due, dialect)])[:-1]
        slots.append(
            _Slot(
                due,
                payload,
                f"{prefix}:",
                f":{day}",
                f'{head}, "{prefix}:',
                f':{day}", ',
                f", null, {json.dumps(payload)}]",
            )
        )
    return tuple(slots)


# A wanted reminder: (due, payload, its row as JSON for _insert_missing); a tuple, made per row.
_Desired = tuple[datetime, dict[str, Any], str]


def desired_reminders(
    clients: Sequence[ClientTimes], coaches: Sequence[CoachTimes], *, now: datetime, dialect: str
) -> dict[str, _Desired]:
    """Every future reminder these people's preferences ask for, by dedupe key (pure computation).

    The time arithmetic and the encoding are done once per distinct set of preferences; what is left
    per client is a few string joins.
    """
    desired: dict[str, _Desired] = {}
    for client in clients:
        pause_end = ensure_utc(client.paused_until) if client.paused_until else None
        who = str(client.id)
        for slot in _client_slots(
            client.timezone,
            client.checkin_cadence,
            client.checkin_time,
            client.quiet_hours_start,
            client.quiet_hours_end,
            now,
            dialect,
        ):
            if pause_end is None or slot.due_at >= pause_end:
                desired[slot.key_head + who + slot.key_tail] = (
                    slot.due_at,
                    slot.payload,
                    slot.row_head + who + slot.row_mid + who + slot.row_tail,
                )
    for coach in coaches:
        for p in wanted(coach_plan(coach, now=now), now=now, paused_until=None):
            row = [p.kind, _stored_instant(p.due_at, dialect), p.dedupe_key, None, p.coach_id, p.payload]
            desired[p.dedupe_key] = (p.due_at, p.payload, json.dumps(row))
    return desired


@dataclass(frozen=True, slots=True)
class ChunkChanges:
    """What a chunk's reconciliation writes: rows to move, rows to drop, new rows (as JSON)."""

    moves: list[dict[str, Any]]
    stale_ids: list[int]
    new_rows: str
    new_count: int


def reconcile(
    clients: Sequence[ClientTimes],
    coaches: Sequence[CoachTimes],
    pending: Iterable[tuple[int, str | None, datetime]],
    *,
    now: datetime,
    dialect: str,
) -> ChunkChanges:
    """Compare what these people's preferences ask for with their pending rows (pure computation,
    run in a worker thread: all the per-person and per-row work of a chunk)."""
    desired = desired_reminders(clients, coaches, now=now, dialect=dialect)
    stale_ids: list[int] = []
    moves: list[dict[str, Any]] = []
    for row_id, dedupe_key, due_at in pending:
        plan = desired.pop(dedupe_key or "", None)
        if plan is None:
            stale_ids.append(row_id)
        elif ensure_utc(due_at) != plan[0]:
            moves.append({"_id": row_id, "due_at": plan[0], "payload": plan[1]})
    new_rows = "[" + ", ".join(row for _due, _payload, row in desired.values()) + "]"
    return ChunkChanges(moves, stale_ids, new_rows, len(desired))


def _pending_of(column: Column[Any], ids: Sequence[int], dialect: str, now: datetime) -> Select[Any]:
    """These people's pending future planned reminders (``column`` is ``client_id`` or ``coach_id``),
    locked for this chunk.

    On PostgreSQL each id is looked up on its own (a LATERAL join over the bound array), so the scan
    is an index range per person whatever the statistics say: with ``= ANY(:ids)`` a planner that
    has not analyzed the table since it filled (the first planning pass) chose the ``(status,
    due_at)`` index and read every pending row for every chunk, quadratic in the number of clients.
    """
    wanted = (
        _REMINDERS.c.status == ReminderStatus.PENDING.value,
        _REMINDERS.c.kind.in_([k.value for k in PLANNED_KINDS]),
        _REMINDERS.c.due_at > now,
    )
    columns = (_REMINDERS.c.id, _REMINDERS.c.dedupe_key, _REMINDERS.c.due_at)
    if dialect != "postgresql":
        return select(*columns).where(among(column, ids, dialect), *wanted)
    who = (
        func.unnest(bindparam("ids", value=list(ids), type_=ARRAY(column.type)))
        .table_valued("id")
        .render_derived(name="who")
    )
    each = (
        select(*columns)
        .where(column == who.c.id, *wanted)
        .with_for_update(skip_locked=True)
        .lateral("pending")
    )
    return select(each.c.id, each.c.dedupe_key, each.c.due_at).select_from(who.join(each, true()))


async def plan_chunk(
    session: AsyncSession,
    *,
    now: datetime,
    clients: Sequence[ClientTimes] = (),
    coaches: Sequence[CoachTimes] = (),
) -> int:
    """Bring these people's pending future reminders in line with their preferences; rows added.

    The loop only reads and writes: the time arithmetic, the comparison and the encoding of the new
    rows run in a worker thread, so a big chunk never stalls the event loop.
    """
    if not clients and not coaches:
        return 0
    dialect = session.get_bind().dialect.name
    pending: list[tuple[int, str | None, datetime]] = []
    for column, ids in (
        (_REMINDERS.c.client_id, [c.id for c in clients]),
        (_REMINDERS.c.coach_id, [c.id for c in coaches]),
    ):
        if ids:
            rows = await session.execute(_pending_of(column, ids, dialect, now))
            pending += [(row_id, key, due) for row_id, key, due in rows]
    changes = await asyncio.to_thread(reconcile, clients, coaches, pending, now=now, dialect=dialect)
    if changes.moves:
        await session.execute(_MOVE, changes.moves)
    if changes.stale_ids:
        # Never sent, so nothing of value is lost; the schedule that wanted them no longer does.
        await session.execute(
            delete(_REMINDERS).where(
                among(_REMINDERS.c.id, changes.stale_ids, dialect),
                _REMINDERS.c.status == ReminderStatus.PENDING.value,
            )
        )
    if not changes.new_count:
        return 0
    return await _insert_missing(session, changes.new_rows)


async def active_clients_after(
    session: AsyncSession, after_id: int, *, limit: int = PLANNING_CHUNK
) -> list[ClientTimes]:
    """The next ``limit`` active clients by id (keyset paging: each page is one index range)."""
    rows = await session.execute(
        select(*_CLIENT_COLUMNS)
        .where(_CLIENTS.c.status == ClientStatus.ACTIVE.value, _CLIENTS.c.id > after_id)
        .order_by(_CLIENTS.c.id)
        .limit(limit)
    )
    return [ClientTimes(*row) for row in rows]


async def coaches_after(
    session: AsyncSession, after_id: int, *, limit: int = PLANNING_CHUNK
) -> list[CoachTimes]:
    rows = await session.execute(
        select(*_COACH_COLUMNS).where(_COACHES.c.id > after_id).order_by(_COACHES.c.id).limit(limit)
    )
    return [CoachTimes(*row) for row in rows]


async def drop_inactive_clients_reminders(session: AsyncSession, *, now: datetime) -> int:
    """Pending future reminders of clients who are no longer active (one set-based DELETE)."""
    inactive = select(_CLIENTS.c.id).where(_CLIENTS.c.status != ClientStatus.ACTIVE.value)
    result = await session.execute(
        delete(_REMINDERS).where(
            _REMINDERS.c.client_id.in_(inactive),
            _REMINDERS.c.status == ReminderStatus.PENDING.value,
            _REMINDERS.c.kind.in_([k.value for k in PLANNED_KINDS]),
            _REMINDERS.c.due_at > now,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


# (rows added, people in the page, the last one's id): what one step of a pass reports.
PageResult = tuple[int, int, int]
Step = Callable[[AsyncSession], Awaitable[PageResult]]
ChunkRunner = Callable[[Step], Awaitable[PageResult]]


async def _clients_page(session: AsyncSession, *, after: int, limit: int, now: datetime) -> PageResult:
    page = await active_clients_after(session, after, limit=limit)
    added = await plan_chunk(session, now=now, clients=page)
    return added, len(page), page[-1].id if page else after


async def _coaches_page(session: AsyncSession, *, after: int, limit: int, now: datetime) -> PageResult:
    page = await coaches_after(session, after, limit=limit)
    added = await plan_chunk(session, now=now, coaches=page)
    return added, len(page), page[-1].id if page else after


async def _inactive_step(session: AsyncSession, *, now: datetime) -> PageResult:
    return 0, await drop_inactive_clients_reminders(session, now=now), 0


async def _plan_in_chunks(run: ChunkRunner, *, now: datetime, chunk_size: int) -> int:
    """Page through clients, then coaches; ``run`` gives each step its session (and transaction)."""
    total = 0
    for page_step in (_clients_page, _coaches_page):
        last = 0
        while True:
            added, count, last = await run(partial(page_step, after=last, limit=chunk_size, now=now))
            total += added
            if count < chunk_size:
                break
            await asyncio.sleep(0)  # let acknowledgements and other ticks run between chunks
    await run(partial(_inactive_step, now=now))
    return total


async def plan_reminders(
    session: AsyncSession,
    *,
    now: datetime,
    client_ids: Sequence[int] | None = None,
    coach_ids: Sequence[int] | None = None,
    chunk_size: int = PLANNING_CHUNK,
) -> int:
    """Bring pending future reminders in line with everyone's preferences; returns rows added.

    With ``client_ids`` or ``coach_ids`` only those people are re-planned (after a preference change).
    Everyone is planned ``chunk_size`` people at a time in the caller's transaction; a service should
    prefer :func:`plan_everyone`, which commits each chunk.
    """
    now = ensure_utc(now)
    try:
        if client_ids is None and coach_ids is None:

            async def in_this_session(step: Step) -> PageResult:
                return await step(session)

            return await _plan_in_chunks(in_this_session, now=now, chunk_size=chunk_size)
        dialect = session.get_bind().dialect.name
        clients: list[ClientTimes] = []
        coaches: list[CoachTimes] = []
        if client_ids:
            rows = await session.execute(
                select(*_CLIENT_COLUMNS).where(
                    _CLIENTS.c.status == ClientStatus.ACTIVE.value, among(_CLIENTS.c.id, client_ids, dialect)
                )
            )
            clients = [ClientTimes(*row) for row in rows]
        if coach_ids:
            rows = await session.execute(
                select(*_COACH_COLUMNS).where(among(_COACHES.c.id, coach_ids, dialect))
            )
            coaches = [CoachTimes(*row) for row in rows]
        added = await plan_chunk(session, now=now, clients=clients, coaches=coaches)
        # Asked-for clients who are not active keep no pending planned reminders.
        gone = sorted(set(client_ids or ()) - {c.id for c in clients})
        if gone:
            await session.execute(
                delete(_REMINDERS).where(
                    among(_REMINDERS.c.client_id, gone, dialect),
                    _REMINDERS.c.status == ReminderStatus.PENDING.value,
                    _REMINDERS.c.kind.in_([k.value for k in PLANNED_KINDS]),
                    _REMINDERS.c.due_at > now,
                )
            )
        return added
    finally:
        session.expire_all()


async def plan_everyone(db: Database, *, now: datetime, chunk_size: int = PLANNING_CHUNK) -> int:
    """A full planning pass, one short transaction per chunk of people; returns rows added.

    Memory stays bounded by the chunk, row locks are held for one chunk only, and the event loop runs
    other work between chunks.
    """
    now = ensure_utc(now)

    async def in_own_transaction(step: Step) -> PageResult:
        async with db.unit_of_work() as session:
            return await step(session)

    added = await _plan_in_chunks(in_own_transaction, now=now, chunk_size=chunk_size)
    if added >= ANALYZE_AFTER_ROWS:
        # Like a big import: without fresh statistics (a new database's first pass, a new cohort)
        # the query planner takes the table for nearly empty, and dispatch's claim and
        # compare-and-set read every pending row through the (status, due_at) index for each batch.
        async with db.engine.begin() as conn:
            await analyze(conn, ["reminders"])
    return added
