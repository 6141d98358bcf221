"""A new privacy policy version through the real engine: asked before anything else, the pending
message and conversation kept and carried on after accepting, declining offers a copy and erasure,
bad answers re-prompt, every answer kept as history."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from conversations.flows import forget_me, policy, self_service
from domain.db import Database
from domain.models import (
    AuditEvent,
    CheckIn,
    Client,
    ConsentRecord,
    ConversationState,
    Message,
    OutboundMessage,
    Reminder,
)
from domain.reminders import ReminderDispatcher
from domain.reminders.dispatch import POLICY_PENDING
from domain.services.clients import PRIVACY_POLICY_VERSION
from domain.services.policies import publish_policy
from tests.bot.test_erasure_leaves_nothing import dump_database
from tests.support.chat import Chat, onboard, texts

SUMMARY = "We now keep check-ins for 2 years instead of 3."


@pytest.fixture(autouse=True)
def commands(tmp_path: object) -> Iterator[None]:
    from tests.support.chat import registered

    def add() -> None:
        self_service.register()
        forget_me.register(str(tmp_path))
        policy.register("https://coach.example.com/")

    with registered(add):
        yield


async def publish(db: Database, version: int, summary: str = SUMMARY) -> None:
    async with db.unit_of_work() as session:
        await publish_policy(
            session, version=version, body="# Privacy\n\nWe keep little.", summary=summary, actor="cli"
        )


async def consents(db: Database) -> list[tuple[str, bool]]:
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(ConsentRecord).where(ConsentRecord.client_id.is_not(None)).order_by(ConsentRecord.id)
        )
        return [(r.policy_version, r.accepted) for r in rows]


async def stored_states(db: Database) -> str:
    """The conversation states' data as stored (the column is plain JSON: nothing decrypts it here)."""
    async with db.sessions() as session:
        return json.dumps(list((await session.scalars(select(ConversationState.data))).all()))


def asks_policy(replies_text: str, version: int = 1) -> bool:
    return (
        f"updated our privacy policy and terms (version {version})" in replies_text
        and f"https://coach.example.com/policy/{version}" in replies_text
    )


async def test_nothing_published_means_no_question(db: Database, client_chat: Chat) -> None:
    assert "mood" in texts(await client_chat.send("/checkin"))


async def test_a_command_waits_for_the_answer_and_runs_after_accepting(
    db: Database, client_chat: Chat
) -> None:
    await publish(db, 1)
    replies = await client_chat.send("/checkin")
    assert asks_policy(texts(replies)) and SUMMARY in texts(replies) and "mood" not in texts(replies)
    assert [b.label for b in replies[-1].all_buttons] == ["Accept", "Decline"]
    replies = await client_chat.press("Accept")
    assert "you accepted version 1" in texts(replies) and "mood" in texts(replies)
    assert await consents(db) == [(PRIVACY_POLICY_VERSION, True), ("1", True)]
    assert "energy" in texts(await client_chat.send("7"))  # the check-in goes on as usual


async def test_an_answer_mid_flow_is_kept_and_applied_after_accepting(
    db: Database, client_chat: Chat
) -> None:
    await client_chat.send("/checkin")
    await publish(db, 1)
    assert asks_policy(texts(await client_chat.send("8")))
    replies = await client_chat.send("yes")  # typed, not the button
    assert "you accepted version 1" in texts(replies) and "energy" in texts(replies)  # the 8 was the mood
    for answer in ("6", "7h30", "yes", "40"):
        await client_chat.send(answer)
    await client_chat.send("/skip")
    async with db.unit_of_work() as session:
        [check_in] = (await session.scalars(select(CheckIn))).all()
    assert check_in.mood == 8 and check_in.energy == 6


async def test_an_invalid_answer_set_aside_re_prompts_its_step_and_keeps_the_consent(
    db: Database, client_chat: Chat
) -> None:
    await client_chat.send("/checkin")
    await publish(db, 1)
    await client_chat.send("eleven out of ten")
    replies = await client_chat.press("Accept")
    assert "you accepted version 1" in texts(replies) and "from 1 to 10" in texts(replies)
    assert ("1", True) in await consents(db)
    assert "energy" in texts(await client_chat.send("7"))


async def test_free_text_reaches_the_coach_after_accepting(db: Database, client_chat: Chat) -> None:
    await publish(db, 1)
    await client_chat.send("Can we move Friday's session?")
    async with db.unit_of_work() as session:
        assert (await session.scalars(select(Message))).all() == []  # not relayed before accepting
    assert "Friday" not in await stored_states(db)  # set aside encrypted, carried on below
    replies = await client_chat.press("Accept")
    assert "passed that on to your coach" in texts(replies)
    async with db.unit_of_work() as session:
        [message] = (await session.scalars(select(Message))).all()
    assert message.text == "Can we move Friday's session?"


async def test_bad_answers_and_other_commands_re_ask(db: Database, client_chat: Chat) -> None:
    await publish(db, 1)
    await client_chat.send("/goals")
    replies = await client_chat.send("maybe later")
    assert "Please press Accept or Decline" in texts(replies) and asks_policy(texts(replies))
    replies = await client_chat.send("/checkin")
    assert "Please answer this first" in texts(replies) and asks_policy(texts(replies))
    replies = await client_chat.send("/cancel")
    assert "Please answer this first" in texts(replies)
    replies = await client_chat.send(payload="some-stale-button")
    assert "Please press Accept or Decline" in texts(replies)
    assert await consents(db) == [(PRIVACY_POLICY_VERSION, True)]


async def test_declining_offers_export_and_erasure_which_work_while_asked(
    db: Database, client_chat: Chat
) -> None:
    await publish(db, 1)
    await client_chat.send("/checkin")
    replies = await client_chat.press("Decline")
    assert "you declined version 1" in texts(replies) and "/mydata" in texts(replies)
    assert {b.payload for b in replies[-1].all_buttons} == {"/mydata", "/forget_me", "accept"}
    assert await consents(db) == [(PRIVACY_POLICY_VERSION, True), ("1", False)]
    replies = await client_chat.press("Get my data")
    assert replies[0].files and replies[0].files[0].file_name == "my-data.json"
    assert asks_policy(texts(replies))  # and the question is asked again
    assert asks_policy(texts(await client_chat.send("hello?")))
    replies = await client_chat.press("Accept")  # changed their mind: the /checkin set aside runs
    assert "mood" in texts(replies)
    assert await consents(db) == [(PRIVACY_POLICY_VERSION, True), ("1", False), ("1", True)]


async def test_declining_then_erasure_deletes_the_client(db: Database, client_chat: Chat) -> None:
    await publish(db, 1)
    await client_chat.send("hi")
    await client_chat.press("Decline")
    assert "DELETE" in texts(await client_chat.press("Delete my data"))
    replies = await client_chat.send("DELETE")
    assert "policy" not in texts(replies)
    async with db.unit_of_work() as session:
        assert (await session.scalars(select(Client))).all() == []


async def test_the_set_aside_message_is_encrypted_at_rest_and_erased_with_the_client(
    db: Database, client_chat: Chat, tmp_path: Path
) -> None:
    words = "I relapsed after the night shift, can we talk"
    await publish(db, 1)
    assert asks_policy(texts(await client_chat.send(words)))
    stored = await stored_states(db)
    assert words not in stored and "night shift" not in stored and '"$enc"' in stored
    assert "night shift" not in await dump_database(db, tmp_path)

    await client_chat.press("Decline")
    assert "DELETE" in texts(await client_chat.press("Delete my data"))
    await client_chat.send("DELETE")
    async with db.sessions() as session:
        assert (await session.scalars(select(ConversationState.id))).all() == []
    assert "night shift" not in await dump_database(db, tmp_path)


async def test_a_new_version_asks_again_and_history_keeps_every_answer(
    db: Database, client_chat: Chat
) -> None:
    await publish(db, 1)
    await client_chat.send("/menu")
    await client_chat.press("Accept")
    assert not asks_policy(texts(await client_chat.send("/menu")))
    await publish(db, 2, "Payments are now handled by a new provider.")
    replies = await client_chat.send("/menu")
    assert asks_policy(texts(replies), 2) and "new provider" in texts(replies)
    await client_chat.press("Accept")
    assert await consents(db) == [(PRIVACY_POLICY_VERSION, True), ("1", True), ("2", True)]
    async with db.unit_of_work() as session:
        actions = (
            await session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("policy.%")))
        ).all()
    assert sorted(actions) == ["policy.accepted", "policy.accepted", "policy.published", "policy.published"]


async def test_a_version_published_while_asked_is_the_one_accepted(db: Database, client_chat: Chat) -> None:
    await publish(db, 1)
    await client_chat.send("/menu")
    await publish(db, 2, "Second change.")
    replies = await client_chat.press("Accept")
    assert asks_policy(texts(replies), 2) and "accepted" not in texts(replies)
    replies = await client_chat.press("Accept")
    assert "you accepted version 2" in texts(replies) and "What would you like to do?" in texts(replies)
    assert await consents(db) == [(PRIVACY_POLICY_VERSION, True), ("2", True)]


async def test_a_client_onboarded_after_publishing_is_not_asked_again(
    db: Database, chat: Callable[[str], Chat], coach_setup: object
) -> None:
    await publish(db, 3)
    c = chat("newcomer")
    await onboard(c)
    assert await consents(db) == [("3", True)]
    assert "mood" in texts(await c.send("/checkin"))


async def test_newcomers_are_not_asked(
    db: Database, chat: Callable[[str], Chat], coach_setup: object
) -> None:
    await publish(db, 1)
    c = chat("stranger")
    replies = await c.send("/start")
    assert not asks_policy(texts(replies)) and "Do you accept?" in texts(replies)
    assert "privacy policy and terms (version 1): https://coach.example.com/policy/1" in texts(replies)


NINE = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a check-in reminder's time, outside quiet hours


async def remind(db: Database, kind: str, at: datetime) -> tuple[str, str]:
    """One reminder of ``kind`` for the client, due at ``at`` and dispatched then: (status, reason)."""
    async with db.unit_of_work() as session:
        client_id = await session.scalar(select(Client.id))
        session.add(
            Reminder(kind=kind, client_id=client_id, due_at=at, dedupe_key=f"{kind}:{at.isoformat()}")
        )
    async with db.unit_of_work() as session:
        [outcome] = await ReminderDispatcher().dispatch_due(session, now=at)
    return outcome.status, outcome.reason


async def reminders_queued(db: Database) -> int:
    async with db.sessions() as session:
        keys = (await session.scalars(select(OutboundMessage.dedupe_key))).all()
    return len([k for k in keys if k and k.startswith("reminder:")])


async def test_reminders_wait_while_the_question_is_open_and_never_ask_it_again(
    db: Database, client_chat: Chat
) -> None:
    await publish(db, 1)
    # Not asked yet: the reminder goes (it is what brings the client back); its button asks once.
    assert await remind(db, "checkin", NINE) == ("sent", "due")
    assert asks_policy(texts(await client_chat.send(payload="/checkin")))
    # Asked: check-in reminders, follow-ups and re-engagements wait, with the reason recorded.
    assert await remind(db, "checkin_followup", NINE + timedelta(hours=3)) == ("skipped", POLICY_PENDING)
    assert await remind(db, "checkin", NINE + timedelta(days=1)) == ("skipped", POLICY_PENDING)
    assert await remind(db, "reengagement", NINE + timedelta(days=1, hours=1)) == ("skipped", POLICY_PENDING)
    assert await reminders_queued(db) == 1
    # A reminder starting the check-in for them says nothing more: the question is the last thing sent.
    started = await client_chat.engine.begin_flow(
        platform=client_chat.platform,
        external_user_id=client_chat.user,
        chat_id=f"chat-{client_chat.user}",
        flow="checkin",
        idempotency_key="reminder-start:1",
    )
    assert started == []
    # Declining keeps the question open, and the reminders waiting.
    await client_chat.press("Decline")
    assert await remind(db, "checkin", NINE + timedelta(days=2)) == ("skipped", POLICY_PENDING)

    assert "mood" in texts(await client_chat.press("Accept"))  # the set-aside check-in goes on
    assert await remind(db, "checkin", NINE + timedelta(days=3)) == ("sent", "due")
    assert await reminders_queued(db) == 2


async def test_a_reminder_starting_a_flow_asks_once(db: Database, client_chat: Chat) -> None:
    await publish(db, 1)

    async def start(key: str) -> str:
        return texts(
            await client_chat.engine.begin_flow(
                platform=client_chat.platform,
                external_user_id=client_chat.user,
                chat_id=f"chat-{client_chat.user}",
                flow="checkin",
                idempotency_key=key,
            )
        )

    assert asks_policy(await start("reminder-start:1"))
    assert await start("reminder-start:2") == "" and await start("reminder-start:3") == ""
    assert "mood" in texts(await client_chat.send(payload="accept"))  # the first start, set aside, goes on
