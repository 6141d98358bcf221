"""/today, task ticks (buttons and "done 1"), /program and starting another program, in a chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from conversations.engine import ConversationEngine
from conversations.flows.program import parse_done, render_completion, render_step
from domain.db import Database
from domain.models import Client
from domain.program_delivery import deliver_due_steps
from domain.services import coaches, enrollments
from tests.programs.conftest import enroll_client, enrollment_status
from tests.support.chat import Chat, FakeClock, running_engine

DAY1_AT = datetime(2026, 3, 27, 7, 0, tzinfo=UTC)
DAY3_AT = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(DAY1_AT + timedelta(minutes=5))


@pytest.fixture
async def engine(db: Database, clock: FakeClock) -> AsyncIterator[ConversationEngine]:
    async with running_engine(db, clock=clock) as eng:
        yield eng


async def release(db: Database, now: datetime) -> None:
    async with db.unit_of_work() as session:
        await deliver_due_steps(
            session, now=now, render_step=render_step, render_completion=render_completion
        )


def test_done_is_parsed_from_typed_text_and_buttons() -> None:
    assert parse_done("done 1") == (1, None)
    assert parse_done("Done #2.") == (2, None)
    assert parse_done("done 2 5") == (2, 5)
    assert parse_done("I'm done") is None and parse_done("done") is None


async def test_today_shows_the_step_and_tasks_tick_by_button_and_by_typing(
    db: Database, engine: ConversationEngine
) -> None:
    await enroll_client(db, started=DAY1_AT)
    await release(db, DAY1_AT)
    sam = Chat(engine, "7")
    [step] = await sam.send("/today")
    assert step.text == (
        "Couch to 5K · Day 1: Welcome (step 1 of 2)\n\n"
        "Why walking first works, in three short paragraphs.\n\n"
        "Tasks (press one, or type done 1, when it's done):\n"
        "1. ☐ Walk 20 minutes at an easy pace\n"
        "2. ☐ Put your shoes by the door"
    )
    assert [b.label for b in step.all_buttons] == [
        "✓ 1. Walk 20 minutes at an easy pace",
        "✓ 2. Put your shoes by the door",
    ]
    [ticked] = await sam.press("✓ 1. Walk 20 minutes at an easy pace")
    assert ticked.text == "✅ Walk 20 minutes at an easy pace (1 of 2 done today)."
    assert [b.label for b in ticked.all_buttons] == ["✓ 2. Put your shoes by the door"]
    [again] = await sam.send(payload="/today done 1 1")
    assert again.text == "You already ticked “Walk 20 minutes at an easy pace”."
    [last] = await sam.send("done 2")  # typed outside any flow: a tick, not a message to the coach
    assert last.text == "✅ Put your shoes by the door: every task of today's step is done. Well done!"
    [wrong] = await sam.send("done 7")
    assert wrong.text == "I couldn't tick that: that step has tasks 1 to 2. /today shows your tasks."
    [today] = await sam.send("/today")
    assert "1. ✅ Walk 20 minutes" in today.text and "2. ✅ Put your shoes" in today.text
    assert today.all_buttons == []
    [progress] = await sam.send("/program")
    assert progress.text == (
        "Couch to 5K (version 1)\nDay 1 of 42 · 42 days left\nSteps: 1 of 2 done (1 delivered)\nTasks: 2 of 3 done"
    )


async def test_a_german_client_is_told_why_a_tick_was_refused_in_german(
    db: Database, engine: ConversationEngine
) -> None:
    enrolled = await enroll_client(db, started=DAY1_AT)
    async with db.unit_of_work() as session:
        client = await session.get(Client, enrolled.client_id)
        assert client is not None
        client.locale = "de"
    await release(db, DAY1_AT)
    sam = Chat(engine, "7")
    [wrong] = await sam.send("done 7")
    assert wrong.text == (
        "Das konnte ich nicht abhaken: dieser Schritt hat die Aufgaben 1 bis 2. /today zeigt deine Aufgaben."
    )
    [early] = await sam.send(payload="/today done 1 2")  # a button of the day-3 step, not out yet
    assert early.text == (
        "Das konnte ich nicht abhaken: dieser Schritt ist noch nicht bei dir angekommen. "
        "/today zeigt deine Aufgaben."
    )


async def test_ticking_inside_another_flow_keeps_that_flow(db: Database, engine: ConversationEngine) -> None:
    await enroll_client(db, started=DAY1_AT)
    await release(db, DAY1_AT)
    sam = Chat(engine, "7")
    await sam.send("/checkin")
    [ticked] = await sam.send(payload="/today done 1 1")
    assert ticked.text.startswith("✅ Walk 20 minutes")
    replies = await sam.send("7")  # the check-in goes on where it was: mood answered, energy asked
    assert "energy" in replies[-1].text


async def test_a_paused_client_gets_one_line_instead_of_later_steps(
    db: Database, engine: ConversationEngine, clock: FakeClock
) -> None:
    enrolled = await enroll_client(db, started=DAY1_AT)
    await release(db, DAY1_AT)
    await release(db, DAY3_AT)
    async with db.unit_of_work() as session:
        await enrollments.change_enrollment_status(session, enrolled.enrollment_id, "paused")
    clock.now = DAY3_AT + timedelta(hours=1)
    sam = Chat(engine, "7")
    [locked] = await sam.send("/today")
    assert locked.text == "Couch to 5K is paused, so step 2 is on hold; /billing shows how to resume."
    [refused] = await sam.send("done 1")
    assert refused.text == locked.text
    [progress] = await sam.send("/program")
    assert progress.text.endswith("\nYour enrollment is paused; /billing shows how to resume.")


async def test_an_unpaid_client_sees_day_one_and_how_to_pay(
    db: Database, engine: ConversationEngine, clock: FakeClock
) -> None:
    await enroll_client(db, started=DAY1_AT, price="49.00")
    await release(db, DAY1_AT)
    sam = Chat(engine, "7")
    [step] = await sam.send("/today")
    assert step.text.startswith("Couch to 5K · Day 1: Welcome")
    await release(db, DAY3_AT)  # held: not paid
    clock.now = DAY3_AT + timedelta(minutes=5)
    [step, locked, no_payments] = await sam.send("/today")
    assert step.text.startswith("Couch to 5K · Day 1: Welcome")
    assert (
        locked.text == "Step 2 of Couch to 5K opens once your payment is through; here is your payment link."
    )
    assert no_payments.text.startswith("Payments are not set up yet.")  # no payment port in this test
    [progress] = await sam.send("/program")
    assert progress.text.endswith("\nSteps after day 1 open once your payment is through (/pay).")
    replies = await sam.send(payload="/today done 1 2")  # a button of the (held) day-3 step
    assert (
        replies[0].text == "I couldn't tick that: that step has not reached you yet. /today shows your tasks."
    )


async def test_a_completed_client_starts_another_program(
    db: Database, engine: ConversationEngine, clock: FakeClock
) -> None:
    enrolled = await enroll_client(db, started=DAY1_AT)
    async with db.unit_of_work() as session:
        other = await coaches.create_program(
            session, coach_id=enrolled.coach_id, name="Strength Basics", price_minor=0, currency="usd"
        )
        await coaches.publish_program(session, other.id)
    await release(db, DAY1_AT)
    await release(db, DAY3_AT)
    clock.now = DAY3_AT + timedelta(minutes=5)
    sam = Chat(engine, "7")
    replies = await sam.send("done 1")
    assert replies[0].text == "✅ 8 × (1 min jog, 90 s walk): every task of today's step is done. Well done!"
    assert replies[1].text.startswith("🎉 You completed Couch to 5K! In 3 days you checked in 0 times")
    assert await enrollment_status(db, enrolled.enrollment_id) == "completed"
    [offer] = await sam.send("/program")
    assert (
        offer.text
        == "You are not in a program with daily steps yet. Would you like to start one of these programs?"
    )
    assert [b.label for b in offer.all_buttons] == ["Couch to 5K", "Strength Basics"]
    [joined] = await sam.press("Strength Basics")
    assert joined.text == "You're in Strength Basics! Your first step: /today."
    async with db.unit_of_work() as session:
        statuses = [e.status for e in await enrollments.client_enrollments(session, enrolled.client_id)]
    assert statuses == ["completed", "active"]
