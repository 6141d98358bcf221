"""Bulk loading check-ins (history, benchmarks): every row stored as given, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import JSON, Text, insert, select, type_coerce

from domain.crypto import PREFIX
from domain.db import Database
from domain.keysets import analyze
from domain.models import CheckIn, Client
from domain.services.checkins import bulk_load_check_ins, check_in_values


async def test_bulk_load_stores_every_row_as_given(db: Database) -> None:
    async with db.unit_of_work() as session:
        client_id = (
            await session.execute(insert(Client).returning(Client.id), [{"display_name": "Ada"}])
        ).scalar_one()
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    rows = [
        check_in_values(
            client_id=client_id,
            mood=1 + day % 10,
            energy=5,
            sleep_hours=7.5,
            adherence="yes",
            note=f"day {day}" if day % 2 else None,
            attachments=[{"kind": "photo", "file_name": f"plate {day}.jpg"}] if day % 3 == 0 else None,
            source_channel="import",
            at=start + timedelta(days=day),
        )
        for day in range(30)
    ]
    async with db.engine.begin() as conn:
        assert await bulk_load_check_ins(conn, rows) == 30
        assert await bulk_load_check_ins(conn, []) == 0
        await analyze(conn, ["check_ins"])
    async with db.unit_of_work() as session:
        stored = (await session.scalars(select(CheckIn).order_by(CheckIn.created_at))).all()
    assert [(c.mood, c.note, c.created_at, c.attachments) for c in stored] == [
        (r["mood"], r["note"], r["created_at"], r["attachments"]) for r in rows
    ]
    async with db.sessions() as session:  # notes are encrypted at rest, COPY or not
        at_rest = (
            await session.scalars(select(type_coerce(CheckIn.note, Text())).where(CheckIn.note.is_not(None)))
        ).all()
    # The plain notes hold a space, which no ciphertext (URL-safe base64) can: a random token may
    # well contain "day", never "day 1".
    notes = [r["note"] for r in rows if r["note"]]
    assert len(at_rest) == 15 and all(
        n.startswith(PREFIX) and not any(p in n for p in notes) for n in at_rest
    )
    async with db.sessions() as session:  # and so are the names of attached files
        attached = (await session.scalars(select(type_coerce(CheckIn.attachments, JSON())))).all()
    assert sum(1 for a in attached if a) == 10
    names = [f["file_name"] for r in rows for f in r["attachments"] or ()]
    assert all(a == [] or (set(a) == {"$enc"} and not any(f in a["$enc"] for f in names)) for a in attached)
