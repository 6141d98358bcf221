"""Set-based dispatch: every skip rule decided for a whole batch at once, exactly, with a number of
statements that does not grow with the batch."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import event, select, text, update

from domain.db import Database
from domain.models import ChannelIdentity, Client, Reminder
from domain.models.enums import ReminderStatus
from domain.reminders import DispatchPolicy
from domain.reminders.batch import chat_targets, client_facts, missed_streaks
from tests.reminders.conftest import People, by_kind, dispatch, outbox, plan, reminders, utc

MORNING = utc(2026, 11, 24, 6, 0)  # a Tuesday; reminders at the default 09:00 UTC
NINE = utc(2026, 11, 24, 9, 0)


async def test_one_batch_decides_every_rule_exactly(db: Database, people: People) -> None:
    coach = await people.coach()
    plain = await people.client(coach)
    paused = await people.client(coach)
    quiet = await people.client(coach, quiet_hours_start="08:30", quiet_hours_end="10:00")
    checked = await people.client(coach)
    blocked = await people.client(coach)
    archived = await people.client(coach)
    mailed = await people.client(
        coach, preferred_channel="email", email="mia@example.com", email_verified_at=utc(2026, 11, 1)
    )
    two_chats = await people.client(coach, preferred_channel="slack")
    async with db.unit_of_work() as session:
        session.add(
            ChannelIdentity(platform="slack", external_user_id="S1", chat_id="D1", client_id=two_chats.id)
        )
    await plan(db, MORNING)
    # Changes after planning, as when they happen between the plan and the send:
    async with db.unit_of_work() as session:
        await session.execute(
            update(ChannelIdentity).where(ChannelIdentity.client_id == blocked.id).values(unreachable=True)
        )
        await session.execute(update(Client).where(Client.id == archived.id).values(status="archived"))
        await session.execute(
            update(Client).where(Client.id == paused.id).values(paused_until=utc(2026, 11, 30))
        )
    await people.check_in(checked, utc(2026, 11, 24, 8, 0))
    # Quiet hours at send time were set after planning too (planning would have moved the reminder).
    assert quiet.quiet_hours_start == "08:30"

    outcomes = await dispatch(db, NINE, DispatchPolicy(email_enabled=True))
    decided = {o.reminder_id: (o.status, o.reason) for o in outcomes}
    checkins = {
        r.client_id: r
        for c in (plain, paused, quiet, checked, blocked, archived, mailed, two_chats)
        for r in by_kind(await reminders(db, client_id=c.id), "checkin")[:1]
    }
    expected = {
        plain.id: ("sent", "due"),
        paused.id: ("skipped", "paused"),
        checked.id: ("skipped", "already checked in today"),
        blocked.id: ("failed", "no reachable channel"),
        archived.id: ("skipped", "client not active"),
        mailed.id: ("sent", "due"),
        two_chats.id: ("sent", "due"),
    }
    got = {client_id: decided.get(r.id) for client_id, r in checkins.items() if client_id in expected}
    assert got == expected
    # The quiet client's reminder was moved by planning to 10:00: not due yet, not in this batch.
    assert checkins[quiet.id].id not in decided
    queued = {(m.platform, m.chat_id) for m in await outbox(db) if m.payload.get("type") != "coach_digest"}
    assert queued == {("telegram", "c2"), ("email", "mia@example.com"), ("slack", "D1")}
    stored = {r.id: r for r in await reminders(db)}
    for client_id, (status, reason) in expected.items():
        row = stored[checkins[client_id].id]
        assert row.status == status and row.attempts == 1
        assert row.last_error == (None if status == ReminderStatus.SENT else reason)
    assert await dispatch(db, NINE) == []  # nothing is decided twice


async def test_statements_per_batch_do_not_grow_with_the_batch(db: Database, people: People) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    per_batch = []
    try:
        for clients, day in ((10, 24), (120, 25)):
            for _ in range(clients):
                await people.client()
            async with db.unit_of_work() as session:  # earlier days' leftovers would add outcomes
                await session.execute(
                    update(Reminder).where(Reminder.status == "pending").values(status="cancelled")
                )
            await plan(db, utc(2026, 11, day, 6, 0))
            statements.clear()
            outcomes = await dispatch(db, utc(2026, 11, day, 9, 0))
            assert len([o for o in outcomes if o.status == "sent" and o.kind == "checkin"]) == (clients)
            per_batch.append(
                len([s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))])
            )
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert per_batch[0] == per_batch[1] <= 10, per_batch


async def test_batch_reads_follow_the_single_reminder_rules(db: Database, people: People) -> None:
    coach = await people.coach()
    ada = await people.client(coach, preferred_channel="slack")
    async with db.unit_of_work() as session:
        session.add(ChannelIdentity(platform="slack", external_user_id="S9", chat_id="D9", client_id=ada.id))
        session.add(
            ChannelIdentity(platform="telegram", external_user_id="T9", chat_id="c9", client_id=ada.id)
        )
    bo = await people.client(coach)
    for day in (23, 24, 25):
        await plan(db, utc(2026, 11, day, 0, 0))
        await dispatch(db, utc(2026, 11, day, 9, 0))
    await people.check_in(bo, utc(2026, 11, 24, 10, 0))
    async with db.unit_of_work() as session:
        facts = await client_facts(session, [ada.id, bo.id])
        targets = await chat_targets(session, list(facts.values()), email_enabled=False)
        streaks = await missed_streaks(session, [ada.id, bo.id], before=utc(2026, 11, 26, 9, 0))
    assert targets == {ada.id: ("slack", "D9"), bo.id: ("telegram", f"c{bo.id + 1}")}
    assert streaks[ada.id] == (3, utc(2026, 11, 23, 9, 0))
    assert streaks[bo.id] == (1, utc(2026, 11, 25, 9, 0))


async def test_queued_messages_are_encrypted_at_rest_and_read_back_whole(
    db: Database, people: People
) -> None:
    """The batch's one INSERT stores each payload as the ORM would: encrypted (keys are set in the
    tests), with the client id beside it in the clear, and read back as written."""
    coach = await people.coach()
    client = await people.client(coach)
    await plan(db, MORNING)
    outcomes = await dispatch(db, NINE)
    (checkin,) = [o for o in outcomes if o.kind == "checkin"]
    assert checkin.status == "sent"
    key = f"reminder:{checkin.reminder_id}"
    async with db.sessions() as session:
        stored = (
            await session.execute(
                text(
                    "SELECT payload, client_id, status, attempts, dedupe_key FROM outbound_messages"
                    " WHERE dedupe_key = :key"
                ),
                {"key": key},
            )
        ).one()
    raw = stored[0] if isinstance(stored[0], dict) else json.loads(stored[0])
    assert set(raw) == {"$enc"}
    assert "check-in" not in json.dumps(raw)
    assert tuple(stored[2:5]) == ("queued", 0, key)
    (message,) = await outbox(db, dedupe_key=key)
    assert message.payload["text"].startswith("Time for your check-in")
    assert message.payload["buttons"] == [[{"label": "Check in now", "payload": "/checkin"}]]
    assert message.next_attempt_at is not None and message.created_at is not None
    async with db.sessions() as session:
        chat = await session.scalar(
            select(ChannelIdentity.chat_id).where(ChannelIdentity.client_id == client.id)
        )
    assert (message.platform, message.chat_id) == ("telegram", chat)
    assert stored[1] == message.client_id == message.payload.get("client_id")
