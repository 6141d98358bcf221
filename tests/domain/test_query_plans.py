"""On PostgreSQL with 100,000 clients, no hot statement reads a big table from end to end.

The statements are the ones the code really sends (captured while it runs), explained with their own
bound values: the engine's batch lookups, a planning chunk and a dispatch batch. Rows are made by
``generate_series`` on the server and the statistics refreshed with ``ANALYZE``, as after an import.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection

from conversations.store import lock_states
from domain.db import Database
from domain.keysets import analyze
from domain.reminders import ReminderDispatcher
from domain.reminders.planner import active_clients_after, plan_chunk
from domain.services.checkins import check_in_streaks, latest_check_ins
from domain.services.inbox import lease_ready, mark_handled
from tests.support.databases import postgres_requested

pytestmark = pytest.mark.skipif(
    not postgres_requested(), reason="query plans at 100,000 rows are checked on PostgreSQL"
)

CLIENTS = 100_000
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
BIG_TABLES = {
    "clients",
    "channel_identities",
    "conversation_states",
    "processed_messages",
    "reminders",
    "check_ins",
    "outbound_messages",
    "inbox_updates",
}

_SETUP = [
    """INSERT INTO coaches (id, name, email, invite_code, timezone, digest_time, digest_cadence,
           is_default, created_at)
       SELECT g, 'Coach ' || g, 'coach' || g || '@example.com', 'INV' || g, 'UTC', '08:00', 'daily',
           false, now()
       FROM generate_series(1, 100) g""",
    """INSERT INTO clients (id, coach_id, display_name, timezone, locale, status, checkin_cadence,
           checkin_time, assessment, created_at)
       SELECT g, 1 + g % 100, 'Client ' || g,
           (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'])[1 + g % 4],
           'en', CASE WHEN g % 7 = 0 THEN 'archived' ELSE 'active' END, 'daily', '09:00', '{}', now()
       FROM generate_series(1, :clients) g""",
    """INSERT INTO channel_identities (platform, external_user_id, chat_id, client_id, unreachable,
           created_at)
       SELECT 'telegram', g::text, g::text, g, false, now() FROM generate_series(1, :clients) g""",
    """INSERT INTO conversation_states (platform, external_user_id, chat_id, flow_version, data,
           failed_attempts, expired_notice, version, updated_at)
       SELECT 'telegram', g::text, g::text, 0, '{}', 0, false, 0, now()
       FROM generate_series(1, :clients) g""",
    """INSERT INTO processed_messages (idempotency_key, replies, created_at)
       SELECT 'telegram:' || g, '[]', now() FROM generate_series(1, :clients) g""",
    """INSERT INTO check_ins (client_id, mood, energy, sleep_hours, adherence, attachments,
           source_channel, created_at)
       SELECT 1 + g % :clients, 7, 7, 7.5, 'yes', '[]', 'telegram',
           CAST(:now AS timestamptz) - make_interval(days => 1 + g / :clients)
       FROM generate_series(0, 3 * :clients - 1) g""",
    """INSERT INTO reminders (kind, client_id, due_at, status, attempts, payload, dedupe_key,
           created_at)
       SELECT 'checkin', 1 + g % :clients, CAST(:now AS timestamptz) - make_interval(days => 1 + g / :clients),
           'sent', 1, '{}', 'old:' || g, now()
       FROM generate_series(0, 2 * :clients - 1) g""",
    """INSERT INTO reminders (kind, client_id, due_at, status, attempts, payload, dedupe_key,
           created_at)
       SELECT 'checkin', g, CAST(:now AS timestamptz) + make_interval(mins => g % 200 - 100), 'pending', 0, '{}',
           'checkin:' || g, now()
       FROM generate_series(1, :clients) g""",
    """INSERT INTO outbound_messages (platform, chat_id, payload, status, attempts, next_attempt_at,
           dedupe_key, created_at)
       SELECT 'telegram', g::text, '{}', 'sent', 1, now(), 'old-reminder:' || g, now()
       FROM generate_series(1, :clients) g""",
    # Every client's last update handled, and one new one each from the last thousand: what an
    # engine batch marks handled and the processor leases.
    """INSERT INTO inbox_updates (key, platform, lane, external_user_id, payload, status, attempts,
           next_attempt_at, received_at, handled_at)
       SELECT 'telegram:update:' || g, 'telegram', g::text, g::text, '{}', 'handled', 1, now(), now(), now()
       FROM generate_series(1, :clients) g""",
    """INSERT INTO inbox_updates (key, platform, lane, external_user_id, payload, status, attempts,
           next_attempt_at, received_at)
       SELECT 'telegram:update:new:' || g, 'telegram', g::text, g::text, '{}', 'pending', 0,
           CAST(:now AS timestamptz), now()
       FROM generate_series(:clients - 999, :clients) g""",
]


class Recorder:
    """Every statement the code sends, with its bound values, while ``capture()`` is open."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.statements: list[tuple[str, Any]] = []

    def _record(self, _c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            self.statements.append((statement, parameters))

    def capture(self) -> Iterator[None]:
        event.listen(self.db.engine.sync_engine, "before_cursor_execute", self._record)
        try:
            yield
        finally:
            event.remove(self.db.engine.sync_engine, "before_cursor_execute", self._record)


def _seq_scans(node: dict[str, Any]) -> Iterator[str]:
    if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in BIG_TABLES:
        yield str(node["Relation Name"])
    for child in node.get("Plans", []):
        yield from _seq_scans(child)


async def _explain(conn: AsyncConnection, statement: str, parameters: Any) -> list[str]:
    result = await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
    plan = result.scalar_one()
    return list(_seq_scans(plan[0]["Plan"]))


async def test_hot_statements_use_indexes_at_100k_clients(db: Database) -> None:
    async with db.engine.begin() as conn:
        for statement in _SETUP:
            await conn.execute(text(statement), {"clients": CLIENTS, "now": NOW})
        for table in ("coaches", "clients"):
            await conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
        await analyze(conn, [*sorted(BIG_TABLES), "coaches"])

    recorder = Recorder(db)
    users = [("telegram", str(n)) for n in range(40_000, 40_256)]
    capture = recorder.capture()
    next(capture)
    try:
        async with db.engine.connect() as conn:
            states = await lock_states(
                conn, users, for_update=True, message_keys=[f"telegram:{n}" for n in range(40_000, 40_256)]
            )
            await mark_handled(conn, [f"telegram:update:new:{n}" for n in range(99_001, 99_257)], NOW)
            await conn.rollback()
        async with db.sessions() as session, session.begin():
            leased = await lease_ready(session, ["telegram"], limit=256, now=NOW)
            await session.rollback()
        async with db.sessions() as session, session.begin():
            page = await active_clients_after(session, 50_000, limit=500)
            await plan_chunk(session, now=NOW - timedelta(hours=6), clients=page)
            await session.rollback()
        async with db.sessions() as session, session.begin():
            outcomes = await ReminderDispatcher().dispatch_due(session, now=NOW)
            await session.rollback()
        roster = list(range(1, 100_001, 100))  # a coach's thousand clients: App Home and /coach clients
        async with db.sessions() as session:
            latest = await latest_check_ins(session, roster)
            streaks = await check_in_streaks(session, [(n, "UTC") for n in roster], now=NOW)
    finally:
        next(capture, None)
    assert (
        len(states) == 256
        and all(s.processed is not None for s in states.values())
        and len(page) == 500
        and len(leased) == 256
    )
    assert len(latest) == len(streaks) == 1_000
    assert len(outcomes) == 500 and {o.status for o in outcomes} >= {"sent"}

    scans = {}
    async with db.engine.connect() as conn:
        for statement, parameters in recorder.statements:
            found = await _explain(conn, statement, parameters)
            if found:
                scans[statement.split("\n")[0][:120]] = found
    assert len(recorder.statements) >= 10
    assert sum("inbox_updates" in statement for statement, _ in recorder.statements) == 2
    assert scans == {}, scans
