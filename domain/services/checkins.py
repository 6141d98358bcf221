"""Recording check-ins and the numbers built from them (streaks, weekly comparisons)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm.util import identity_key

from domain import rules
from domain.clock import ensure_utc, time_zone, utcnow
from domain.crypto import conceal, conceal_json
from domain.db import Database
from domain.insights.note_language import note_language
from domain.keysets import among, pairs_among
from domain.models import CheckIn, Goal
from domain.models.enums import GoalStatus
from domain.services.clients import get_client

# Check-in rules shared by every writer (the conversation engine's batch INSERT and
# :func:`record_check_in`), so no rule lives only in one of them.
LOW_MOOD_MAX = 3
"""A mood at or below this tells the coach."""
FEEDBACK_EVERY = 4
"""Feedback is offered after every 4th check-in …"""
FEEDBACK_OFFER_GAP = timedelta(days=14)
"""… at most once a fortnight."""
STREAK_WINDOW = timedelta(days=400)
"""How far back streaks look (more than a year of daily check-ins)."""

_CHECK_INS = cast(Table, CheckIn.__table__)
_GOALS = cast(Table, Goal.__table__)


def check_in_values(
    *,
    client_id: int,
    mood: int,
    energy: int,
    sleep_hours: float,
    adherence: str,
    source_channel: str,
    at: datetime,
    goal_progress: int | None = None,
    goal_id: int | None = None,
    note: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Validate every field and return the ``check_ins`` row values (raises ValidationError)."""
    return {
        "client_id": client_id,
        "goal_id": goal_id,
        "mood": rules.check_scale("mood", mood, rules.MOOD_RANGE),
        "energy": rules.check_scale("energy", energy, rules.ENERGY_RANGE),
        "sleep_hours": rules.check_sleep_hours(sleep_hours),
        "adherence": rules.check_adherence(adherence),
        "goal_progress": None
        if goal_progress is None
        else rules.check_scale("goal progress", goal_progress, rules.PROGRESS_RANGE),
        "note": rules.check_note(note),
        # Filled in by with_note_languages (CPU work, off the event loop) before the row is stored.
        "note_language": None,
        "attachments": attachments or [],
        "source_channel": source_channel,
        "created_at": ensure_utc(at),
    }


# Notes detected per worker-thread call: the event loop gets a turn between chunks (cancellation,
# other tasks' callbacks) while a big load's notes are read (about 0.1 ms each).
DETECT_CHUNK = 2_000


def note_languages(notes: Sequence[str]) -> list[str]:
    """Each note's language code (CPU work: call it in a worker thread)."""
    return [note_language(note) for note in notes]


async def languages_of_notes(notes: Iterable[str | None]) -> dict[str, str]:
    """Each distinct note's language, detected in a worker thread a chunk at a time. Call it before
    opening the transaction that stores the notes, so none waits on it."""
    distinct = list(dict.fromkeys(note for note in notes if note))
    found: dict[str, str] = {}
    for first in range(0, len(distinct), DETECT_CHUNK):
        chunk = distinct[first : first + DETECT_CHUNK]
        found.update(zip(chunk, await asyncio.to_thread(note_languages, chunk), strict=True))
    return found


async def with_note_languages(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with each note's language (``note_language``) detected (see
    :func:`languages_of_notes`: call it before the transaction; once stored, no digest detects it
    again). Rows already carrying a language, or without a note, are not detected."""
    filled = [{**row, "note_language": row.get("note_language")} for row in rows]
    pending = [row for row in filled if row["note"] and row["note_language"] is None]
    found = await languages_of_notes(row["note"] for row in pending)
    for row in pending:
        row["note_language"] = found[row["note"]]
    return filled


# Notes stored before migration 0034 are given their language this many at a time (one transaction each).
LANGUAGE_BACKFILL_BATCH = 500


async def backfill_note_languages(
    db: Database, *, batch_size: int = LANGUAGE_BACKFILL_BATCH, progress: Callable[[int], None] | None = None
) -> int:
    """Store the language of every note written before languages were (``note_language`` NULL), in
    batches by id, detecting in a worker thread; returns how many were filled. Safe beside a running
    service: a row filled meanwhile is left as it is, and an erased one is simply gone."""
    c = _CHECK_INS.c
    filled = 0
    last = 0
    while True:
        async with db.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(c.id, c.note)
                    .where(c.id > last, c.note_language.is_(None), c.note.is_not(None))
                    .order_by(c.id)
                    .limit(batch_size)
                )
            ).all()
        if not rows:
            return filled
        # Detected between the read and the write, with no transaction open.
        languages = await asyncio.to_thread(note_languages, [note for _, note in rows])
        async with db.engine.begin() as conn:
            await conn.execute(
                update(_CHECK_INS)
                .where(c.id == bindparam("row_id"), c.note_language.is_(None))
                .values(note_language=bindparam("language")),
                [
                    {"row_id": row_id, "language": language}
                    for (row_id, _), language in zip(rows, languages, strict=True)
                ],
            )
        filled += len(rows)
        last = rows[-1][0]
        if progress is not None:
            progress(filled)


async def insert_check_ins(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Store validated rows (from :func:`check_in_values`) with one INSERT and their goals'
    progress with one UPDATE; returns the new ids in the rows' order. Notes' languages are detected
    before the transaction (:func:`with_note_languages`); any still missing are detected here."""
    rows = await with_note_languages(rows)
    inserted = await conn.execute(
        insert(_CHECK_INS).returning(_CHECK_INS.c.id, sort_by_parameter_order=True), list(rows)
    )
    ids = list(inserted.scalars().all())
    await update_goal_progress_from(conn, rows)
    return ids


# The columns a bulk load writes, in order (COPY on PostgreSQL takes them positionally).
_BULK_COLUMNS = (
    "client_id",
    "goal_id",
    "mood",
    "energy",
    "sleep_hours",
    "adherence",
    "goal_progress",
    "note",
    "note_language",
    "attachments",
    "source_channel",
    "created_at",
)


def _copy_value(name: str, value: Any) -> Any:
    if name == "attachments":
        return json.dumps(conceal_json(value or []))
    if name == "note" and value is not None:
        return conceal(value)
    return value


async def bulk_load_check_ins(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> int:
    """Store many validated rows (history, demo data) fast, without returning ids or touching goals:
    ``COPY`` on PostgreSQL, one multi-row INSERT per page on SQLite. Follow a big load with
    :func:`domain.keysets.analyze`. Returns the rows stored. Pass rows through
    :func:`with_note_languages` before opening the transaction; any language still missing is
    detected here (off the event loop, a chunk at a time)."""
    if not rows:
        return 0
    rows = await with_note_languages(rows)
    if conn.dialect.name == "postgresql":
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        # COPY bypasses the column types, so the note and attachments are encrypted here as the types would.
        records = [tuple(_copy_value(name, row.get(name)) for name in _BULK_COLUMNS) for row in rows]
        await driver.copy_records_to_table("check_ins", records=records, columns=list(_BULK_COLUMNS))
        return len(records)
    await conn.execute(insert(_CHECK_INS), [{name: row.get(name) for name in _BULK_COLUMNS} for row in rows])
    return len(rows)


async def update_goal_progress_from(
    conn: AsyncConnection | AsyncSession, rows: Sequence[dict[str, Any]]
) -> None:
    """A check-in's progress becomes its goal's progress, only for a goal of the same client."""
    progress = [
        {
            "g_id": row["goal_id"],
            "g_client": row["client_id"],
            "progress": row["goal_progress"],
            "updated_at": row["created_at"],
        }
        for row in rows
        if row["goal_id"] is not None and row["goal_progress"] is not None
    ]
    if progress:
        await conn.execute(
            update(_GOALS).where(
                _GOALS.c.id == bindparam("g_id"), _GOALS.c.client_id == bindparam("g_client")
            ),
            progress,
        )


async def record_check_in(
    session: AsyncSession,
    *,
    client_id: int,
    mood: int,
    energy: int,
    sleep_hours: float,
    adherence: str,
    source_channel: str,
    goal_progress: int | None = None,
    goal_id: int | None = None,
    note: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
    at: datetime | None = None,
) -> CheckIn:
    """Validate every field, then store the check-in (and the goal's new progress) together."""
    values = check_in_values(
        client_id=client_id,
        mood=mood,
        energy=energy,
        sleep_hours=sleep_hours,
        adherence=adherence,
        source_channel=source_channel,
        at=at or utcnow(),
        goal_progress=goal_progress,
        goal_id=goal_id,
        note=note,
        attachments=attachments,
    )
    values = (await with_note_languages([values]))[0]
    await get_client(session, client_id)
    if goal_id is None and goal_progress is not None:
        values["goal_id"] = await session.scalar(
            select(Goal.id)
            .where(Goal.client_id == client_id, Goal.status == GoalStatus.ACTIVE)
            .order_by(Goal.id.desc())
            .limit(1)
        )
    check_in = CheckIn(**values)
    session.add(check_in)
    await session.flush()
    await update_goal_progress_from(session, [values])
    if values["goal_id"] is not None and goal_progress is not None:
        # The UPDATE bypassed the identity map: refresh an already loaded goal from the database.
        loaded = session.sync_session.identity_map.get(identity_key(Goal, values["goal_id"]))
        if loaded is not None:
            await session.refresh(loaded, ["progress", "updated_at"])
    return check_in


async def recent_check_ins(
    session: AsyncSession, client_id: int, *, since: datetime | None = None, limit: int | None = None
) -> Sequence[CheckIn]:
    """Newest first."""
    query = (
        select(CheckIn)
        .where(CheckIn.client_id == client_id)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
    )
    if since is not None:
        query = query.where(CheckIn.created_at >= since)
    if limit is not None:
        query = query.limit(limit)
    return (await session.scalars(query)).all()


def local_dates(instants: Sequence[datetime], timezone: str) -> set[date]:
    zone = time_zone(timezone)
    return {ensure_utc(at).astimezone(zone).date() for at in instants}


def streak_from_dates(days: set[date], today: date) -> int:
    """Consecutive days with a check-in ending today (or yesterday, when today has none yet)."""
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


async def check_in_streak(session: AsyncSession, client_id: int, *, now: datetime | None = None) -> int:
    client = await get_client(session, client_id)
    streaks = await check_in_streaks(session, [(client.id, client.timezone)], now=now or utcnow())
    return streaks[client.id]


# Streaks are read this far back first; a client whose streak reaches the edge is read again
# STREAK_WIDENING times further back, up to STREAK_WINDOW. Most streaks are short, so a roster of a
# thousand clients reads a fortnight of check-ins, not a year of them.
STREAK_FIRST_LOOK = timedelta(days=14)
STREAK_WIDENING = 4


async def check_in_streaks(
    session: AsyncSession, clients: Sequence[tuple[int, str]], *, now: datetime
) -> dict[int, int]:
    """Each (client id, timezone)'s streak as :func:`check_in_streak` counts it, for a whole roster
    in one query per widening of the window (usually one), whatever the roster's size."""
    now = ensure_utc(now)
    zones = {client_id: timezone for client_id, timezone in clients}
    streaks = dict.fromkeys(zones, 0)
    dialect = session.get_bind().dialect.name
    window = STREAK_FIRST_LOOK
    pending = sorted(zones)
    while pending:
        window = min(window, STREAK_WINDOW)
        since = now - window
        rows = await session.execute(
            select(_CHECK_INS.c.client_id, _CHECK_INS.c.created_at).where(
                among(_CHECK_INS.c.client_id, pending, dialect), _CHECK_INS.c.created_at >= since
            )
        )
        instants: dict[int, list[datetime]] = {client_id: [] for client_id in pending}
        for client_id, at in rows:
            instants[client_id].append(at)
        too_short = []
        for client_id, seen in instants.items():
            zone = time_zone(zones[client_id])
            today = now.astimezone(zone).date()
            days = local_dates(seen, zones[client_id])
            streaks[client_id] = streak_from_dates(days, today)
            # Exact when the day that ended the streak (no check-in) lay wholly inside the window.
            last = today if today in days else today - timedelta(days=1)
            ended_on = last - timedelta(days=streaks[client_id])
            if datetime.combine(ended_on, time.min, tzinfo=zone) - timedelta(days=1) < since:
                too_short.append(client_id)
        if window >= STREAK_WINDOW:
            break
        pending = too_short
        window *= STREAK_WIDENING
    return streaks


LATEST_PAGE = 1_000
"""Clients whose newest check-in is read by one statement."""


async def latest_check_ins(
    session: AsyncSession, client_ids: Sequence[int]
) -> dict[int, tuple[datetime, int]]:
    """Each client's newest check-in as (when, mood), as ``recent_check_ins(limit=1)`` orders them
    (ties on the time go to the later row), for a whole roster in two queries: the newest time per
    client (from the index alone), then those rows by (client, time)."""
    if not client_ids:
        return {}
    dialect = session.get_bind().dialect.name
    newest = (
        await session.execute(
            select(_CHECK_INS.c.client_id, func.max(_CHECK_INS.c.created_at))
            .where(among(_CHECK_INS.c.client_id, client_ids, dialect))
            .group_by(_CHECK_INS.c.client_id)
        )
    ).all()
    found: dict[int, tuple[datetime, int]] = {}
    # In pages: SQLite binds each pair as two parameters, and a statement takes a limited number.
    for start in range(0, len(newest), LATEST_PAGE):
        page = [(client_id, at) for client_id, at in newest[start : start + LATEST_PAGE]]
        rows = await session.execute(
            select(_CHECK_INS.c.client_id, _CHECK_INS.c.created_at, _CHECK_INS.c.mood)
            .where(pairs_among(_CHECK_INS.c.client_id, _CHECK_INS.c.created_at, page, dialect))
            .order_by(_CHECK_INS.c.id)
        )
        found.update({client_id: (at, mood) for client_id, at, mood in rows})
    return found


@dataclass(frozen=True, slots=True)
class WeekComparison:
    """Today's check-in against the average of the previous 7 days."""

    count: int
    mood_avg: float | None
    energy_avg: float | None
    sleep_avg: float | None


async def last_week_averages(
    session: AsyncSession, client_id: int, *, before: datetime, exclude_id: int | None = None
) -> WeekComparison:
    rows = [
        c
        for c in await recent_check_ins(session, client_id, since=before - timedelta(days=7))
        if c.id != exclude_id and c.created_at <= before
    ]
    if not rows:
        return WeekComparison(0, None, None, None)
    n = len(rows)
    return WeekComparison(
        n,
        round(sum(c.mood for c in rows) / n, 1),
        round(sum(c.energy for c in rows) / n, 1),
        round(sum(c.sleep_hours for c in rows) / n, 1),
    )


async def check_in_count(session: AsyncSession, client_id: int) -> int:
    return int(await session.scalar(select(func.count()).where(CheckIn.client_id == client_id)) or 0)
