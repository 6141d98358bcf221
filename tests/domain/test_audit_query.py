"""Audit log queries for the web and the API: filters, keyset pages and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from domain.db import Database
from domain.errors import ValidationError
from domain.services.audit import AuditCursor, AuditFilter, audit_page, record_audit_event
from domain.services.audit_export import AUDIT_CSV_COLUMNS, audit_csv_chunks

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def seed(db: Database) -> None:
    async with db.unit_of_work() as s:
        for n in range(7):  # three share one instant, so the cursor has to break ties by id
            at = NOON + timedelta(minutes=min(n, 4))
            await record_audit_event(s, actor=f"coach:{n % 2 + 1}", action="web.login", subject="x", at=at)
        await record_audit_event(
            s, actor="cli", action="keys.rotated", subject="encryption", at=NOON - timedelta(days=2)
        )


async def test_pages_walk_every_match_newest_first_exactly_once(db: Database) -> None:
    await seed(db)
    seen: list[int] = []
    cursor: AuditCursor | None = None
    async with db.sessions() as s:
        everything = (await audit_page(s, AuditFilter(), limit=100)).events
        while True:
            page = await audit_page(s, AuditFilter(action="web.*"), after=cursor, limit=2)
            seen += [e.id for e in page.events]
            if page.next_cursor is None:
                break
            cursor = AuditCursor.decode(page.next_cursor.encode())  # as it travels in a URL
    newest_first = [e.id for e in everything if e.action == "web.login"]
    assert seen == newest_first and len(seen) == 7
    assert [e.action for e in everything][-1] == "keys.rotated"


async def test_filters_by_actor_action_and_date_range(db: Database) -> None:
    await seed(db)
    async with db.sessions() as s:
        by_actor = await audit_page(s, AuditFilter(actor="coach:2"))
        assert {e.actor for e in by_actor.events} == {"coach:2"} and len(by_actor.events) == 3
        by_action = await audit_page(s, AuditFilter(action="keys.rotated"))
        assert [e.actor for e in by_action.events] == ["cli"]
        window = AuditFilter(since=NOON + timedelta(minutes=1), until=NOON + timedelta(minutes=4))
        assert sorted(e.at.minute for e in (await audit_page(s, window)).events) == [1, 2, 3]
        assert (await audit_page(s, AuditFilter(actor="nobody"))).events == []


async def test_a_forged_cursor_or_page_size_is_a_validation_error(db: Database) -> None:
    with pytest.raises(ValidationError):
        AuditCursor.decode("not-a-cursor")
    async with db.sessions() as s:
        with pytest.raises(ValidationError):
            await audit_page(s, AuditFilter(), limit=0)


async def test_csv_export_has_every_match_and_defuses_formulas(db: Database) -> None:
    await seed(db)
    async with db.unit_of_work() as s:
        await record_audit_event(
            s, actor="web", action="note.added", subject='=HYPERLINK("http://x")', details={"a": "é"}, at=NOON
        )
    async with db.sessions() as s:
        text = "".join([chunk async for chunk in audit_csv_chunks(s, AuditFilter(), batch=3)])
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == AUDIT_CSV_COLUMNS
    assert len(rows) == 1 + 9
    hostile = next(r for r in rows if r[2] == "note.added")
    assert hostile[3] == '\'=HYPERLINK("http://x")' and hostile[5] == '{"a":"é"}'
    assert rows[1][0] >= rows[-1][0]  # newest first
