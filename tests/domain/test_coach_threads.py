"""Client threads in a coach's chat: one per client and channel, found by its handle; client messages
are claimed for relaying once, and only for coaches who have a chat to read them in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain.db import Database
from domain.models import Message
from domain.services import clients, coach_threads, coaches, messages
from tests.support.databases import postgres_requested

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


async def _client(db: Database, *, slack_user_id: str | None, email: str, user: str) -> tuple[int, int]:
    async with db.unit_of_work() as s:
        coach = await coaches.create_coach(s, name="Ada", email=email, slack_user_id=slack_user_id)
        client = await clients.register_client(
            s, platform="telegram", external_user_id=user, chat_id=user, display_name="Bo", coach_id=coach.id
        )
        return coach.id, client.id


async def _say(db: Database, client_id: int, *texts: str) -> list[int]:
    async with db.unit_of_work() as s:
        return [
            (await messages.record_client_message(s, client_id=client_id, channel="telegram", text=t)).id
            for t in texts
        ]


async def test_a_client_has_one_thread_per_channel_and_the_first_one_recorded_wins(db: Database) -> None:
    coach_id, client_id = await _client(db, slack_user_id="UADA", email="ada@example.com", user="1")
    async with db.unit_of_work() as s:
        assert (
            await coach_threads.find_client_thread(s, platform="slack", channel_id="D1", client_id=client_id)
            is None
        )
        first = await coach_threads.open_thread(
            s, platform="slack", coach_id=coach_id, client_id=client_id, channel_id="D1", thread_ref="100.1"
        )
    async with db.unit_of_work() as s:  # a concurrent delivery posted a second root: the first stays
        again = await coach_threads.open_thread(
            s, platform="slack", coach_id=coach_id, client_id=client_id, channel_id="D1", thread_ref="200.2"
        )
        elsewhere = await coach_threads.open_thread(
            s, platform="slack", coach_id=coach_id, client_id=client_id, channel_id="C9", thread_ref="300.3"
        )
    assert (again.id, again.thread_ref) == (first.id, "100.1")
    assert elsewhere.id != first.id and elsewhere.thread_ref == "300.3"
    async with db.sessions() as s:
        found = await coach_threads.find_thread_by_ref(
            s, platform="slack", channel_id="D1", thread_ref="100.1"
        )
        assert found is not None and found.client_id == client_id
        assert (
            await coach_threads.find_thread_by_ref(s, platform="slack", channel_id="D1", thread_ref="200.2")
            is None
        )
        assert (
            await coach_threads.find_thread_by_ref(s, platform="slack", channel_id="C9", thread_ref="100.1")
            is None
        )
        thread = await coach_threads.find_client_thread(
            s, platform="slack", channel_id="C9", client_id=client_id
        )
        assert thread is not None and thread.id == elsewhere.id


async def test_client_messages_are_claimed_once_oldest_first_for_coaches_with_a_chat(db: Database) -> None:
    _, client_id = await _client(db, slack_user_id="UADA", email="ada@example.com", user="1")
    _, unlinked_client = await _client(db, slack_user_id=None, email="ben@example.com", user="2")
    first, second, third = await _say(db, client_id, "one", "two", "three")
    await _say(db, unlinked_client, "nobody reads this yet")

    async with db.unit_of_work() as s:
        claimed = await coach_threads.claim_messages_to_relay(s, limit=2, now=NOW)
        assert [(m.id, c.slack_user_id) for m, c in claimed] == [(first, "UADA"), (second, "UADA")]
    async with db.unit_of_work() as s:
        assert [m.id for m, _ in await coach_threads.claim_messages_to_relay(s, limit=10)] == [third]
        assert await coach_threads.claim_messages_to_relay(s, limit=10) == []
        relayed = await s.get(Message, first)
        assert relayed is not None and relayed.relayed_at == NOW


async def test_a_claim_since_a_time_leaves_older_messages_for_a_full_pass(db: Database) -> None:
    _, client_id = await _client(db, slack_user_id="UADA", email="ada@example.com", user="1")
    old, new = await _say(db, client_id, "old", "new")
    async with db.unit_of_work() as s:
        message = await s.get(Message, old)
        assert message is not None
        message.created_at = NOW - timedelta(hours=1)
        fresh = await s.get(Message, new)
        assert fresh is not None
        fresh.created_at = NOW
    async with db.unit_of_work() as s:
        recent = await coach_threads.claim_messages_to_relay(s, since=NOW - timedelta(minutes=10), limit=10)
        assert [m.id for m, _ in recent] == [new]
    async with db.unit_of_work() as s:
        assert [m.id for m, _ in await coach_threads.claim_messages_to_relay(s, limit=10)] == [old]


async def test_a_rolled_back_relay_leaves_the_messages_to_claim_again(db: Database) -> None:
    _, client_id = await _client(db, slack_user_id="UADA", email="ada@example.com", user="1")
    (only,) = await _say(db, client_id, "hello")
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as s:
            await coach_threads.claim_messages_to_relay(s, limit=10)
            raise RuntimeError("queueing failed")
    async with db.unit_of_work() as s:
        assert [m.id for m, _ in await coach_threads.claim_messages_to_relay(s, limit=10)] == [only]


@pytest.mark.skipif(
    not postgres_requested(), reason="row locks are a PostgreSQL feature; SQLite has one writer"
)
async def test_concurrent_relays_skip_each_others_messages(db: Database, database_url: str) -> None:
    _, client_id = await _client(db, slack_user_id="UADA", email="ada@example.com", user="1")
    ids = await _say(db, client_id, "one", "two", "three")
    other = Database(database_url)
    try:
        async with db.unit_of_work() as first_session:
            first = await coach_threads.claim_messages_to_relay(first_session, limit=1)
            async with other.unit_of_work() as second_session:
                second = await asyncio.wait_for(
                    coach_threads.claim_messages_to_relay(second_session, limit=10), timeout=5
                )
        assert [m.id for m, _ in first] == ids[:1]
        assert [m.id for m, _ in second] == ids[1:]
    finally:
        await other.dispose()
