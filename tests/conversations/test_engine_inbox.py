"""Inbox messages: replies queued and the inbox row marked handled with the step; database outages
waited out instead of answered with an apology."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from conversations.engine import ConversationEngine
from conversations.messages import IncomingMessage, OutgoingMessage
from conversations.ports import ConversationsUnavailable
from conversations.texts import Common as T
from domain.clock import utcnow
from domain.db import Database
from domain.models import InboxUpdate, OutboundMessage
from domain.models.enums import InboxStatus
from domain.services import inbox
from domain.services.inbox import InboundUpdate
from tests.support.chat import running_engine


def _stored_message(n: int, text: str) -> IncomingMessage:
    return IncomingMessage(
        platform="telegram",
        external_user_id="77",
        chat_id="77",
        message_id=str(n),
        text=text,
        idempotency_key=f"telegram:update:{n}",
        from_inbox=True,
    )


async def _store(db: Database, message: IncomingMessage) -> None:
    async with db.unit_of_work() as session:
        await inbox.store_updates(
            session,
            [InboundUpdate(message.idempotency_key, "telegram", message.chat_id, {"text": message.text})],
            utcnow(),
        )


async def _outbox(db: Database) -> list[tuple[str | None, str]]:
    async with db.unit_of_work() as session:
        rows = (await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))).all()
    return [(r.dedupe_key, str(r.payload["text"])) for r in rows]


async def test_replies_are_queued_and_the_update_handled_in_the_steps_transaction(db: Database) -> None:
    message = _stored_message(1, "hello")
    await _store(db, message)
    async with running_engine(db) as engine:
        replies = await engine.handle(message)
        again = await engine.handle(message)  # handled again after a crash: answered from storage
    queued = await _outbox(db)
    assert [text for _, text in queued] == [r.text for r in replies] and replies
    assert [key for key, _ in queued] == [f"telegram:update:1:reply:{i}" for i in range(len(replies))]
    assert [r.text for r in again] == [r.text for r in replies]
    async with db.unit_of_work() as session:
        row = await session.scalar(select(InboxUpdate))
    assert row is not None and row.status == InboxStatus.HANDLED and row.handled_at is not None


async def test_messages_not_from_the_inbox_are_answered_directly(db: Database) -> None:
    message = dataclasses.replace(_stored_message(2, "hello"), from_inbox=False)
    async with running_engine(db) as engine:
        assert await engine.handle(message)
    assert await _outbox(db) == []


def _failing_first(engine: ConversationEngine, failures: int, exc: BaseException) -> list[int]:
    """Make the engine's first ``failures`` transactions fail with ``exc``; returns the call log."""
    real = engine._transaction
    calls: list[int] = []

    async def flaky(*args: Any) -> Any:
        calls.append(1)
        if len(calls) <= failures:
            raise exc
        return await real(*args)

    engine._transaction = flaky  # type: ignore[method-assign]
    return calls


async def test_a_short_outage_is_waited_out_without_an_apology(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("conversations.engine.OUTAGE_BACKOFF_FIRST_S", 0.01)
    async with running_engine(db) as engine:
        calls = _failing_first(engine, 5, ConnectionRefusedError("connection refused"))
        replies = await engine.handle(_stored_message(3, "hello"))
    assert len(calls) == 6
    assert T.ERROR not in [r.text for r in replies] and replies


async def test_a_long_outage_leaves_inbox_messages_stored_and_apologises_to_others(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("conversations.engine.OUTAGE_BACKOFF_FIRST_S", 0.01)
    async with running_engine(db, outage_retry=timedelta(seconds=0.2)) as engine:
        _failing_first(engine, 10_000, ConnectionRefusedError("connection refused"))
        with pytest.raises(ConversationsUnavailable):
            await engine.handle(_stored_message(4, "hello"))
        direct = await engine.handle(dataclasses.replace(_stored_message(5, "hello"), from_inbox=False))
    assert direct == [OutgoingMessage(T.ERROR)]
