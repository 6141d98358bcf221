"""A row whose unique key is taken is not inserted, and the transaction goes on unharmed."""

from __future__ import annotations

from sqlalchemy import select

from domain.db import Database
from domain.models import ProcessedMessage
from domain.services.unique_rows import insert_unless_taken


async def test_the_first_row_with_a_key_wins_and_the_transaction_goes_on(db: Database) -> None:
    async with db.unit_of_work() as s:
        assert await insert_unless_taken(
            s, ProcessedMessage, {"idempotency_key": "k1", "replies": ["first"]}, unique=("idempotency_key",)
        )
    async with db.unit_of_work() as s:
        assert not await insert_unless_taken(
            s, ProcessedMessage, {"idempotency_key": "k1", "replies": ["second"]}, unique=("idempotency_key",)
        )
        assert await insert_unless_taken(
            s, ProcessedMessage, {"idempotency_key": "k2", "replies": []}, unique=("idempotency_key",)
        )
    async with db.sessions() as s:
        rows = (await s.scalars(select(ProcessedMessage).order_by(ProcessedMessage.idempotency_key))).all()
    assert [(r.idempotency_key, r.replies) for r in rows] == [("k1", ["first"]), ("k2", [])]
