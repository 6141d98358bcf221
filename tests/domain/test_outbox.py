"""The outbox's batch insert: one statement text for any batch, order kept, a key queued once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, select

from domain.db import Database
from domain.models import OutboundMessage
from domain.services.outbox import QueuedReply, enqueue_replies

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _replies(keys: range) -> list[QueuedReply]:
    return [QueuedReply("telegram", f"chat{n % 3}", {"text": f"reply {n}"}, f"step:{n}") for n in keys]


async def test_batches_of_any_size_are_one_statement_in_order_and_once_per_key(db: Database) -> None:
    sent: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            sent.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        for keys in (range(0, 3), range(3, 10), range(5, 12)):  # the last repeats five keys
            async with db.engine.begin() as conn:
                await enqueue_replies(conn, _replies(keys), NOW)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert len(set(sent)) == 1, sent
    async with db.unit_of_work() as session:
        rows = (await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))).all()
    assert [r.dedupe_key for r in rows] == [f"step:{n}" for n in range(12)]
    assert [r.payload["text"] for r in rows] == [f"reply {n}" for n in range(12)]
