"""The program's own check-in questions: asked after the standard ones, validated by type, stored typed,
and shown in the client export, the weekly summary and the coach's digest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from conversations.engine import ConversationEngine
from domain.db import Database
from domain.models import CheckInAnswer, Client
from domain.services.export import export_client
from integrations.llm.insights import InsightsService
from tests.programs.conftest import enroll_client
from tests.programs.example import EXAMPLE
from tests.support.chat import Chat, FakeClock, running_engine

STARTED = datetime(2026, 3, 23, 7, 0, tzinfo=UTC)  # a Monday
QUESTIONS = EXAMPLE.replace(
    "    ask: How many minutes did you run today?\n    type: number\n",
    "    ask: How many minutes did you run today?\n    type: number\n"
    "  - key: legs_fresh\n    ask: Do your legs feel fresh?\n    type: yes_no\n",
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(STARTED + timedelta(hours=2))


@pytest.fixture
async def engine(db: Database, clock: FakeClock) -> AsyncIterator[ConversationEngine]:
    async with running_engine(db, clock=clock) as eng:
        yield eng


async def check_in(sam: Chat, minutes: str, fresh: str) -> list[str]:
    for answer in ("/checkin", "7", "6", "7.5", "yes"):
        await sam.send(answer)
    said = [r.text for r in await sam.send(minutes)]
    if fresh:
        said += [r.text for r in await sam.send(fresh)]
    said += [r.text for r in await sam.send("/skip")]
    return said


async def test_program_questions_follow_the_standard_ones_and_are_stored_typed(
    db: Database, engine: ConversationEngine, clock: FakeClock
) -> None:
    enrolled = await enroll_client(db, started=STARTED, text=QUESTIONS, timezone="UTC")
    sam = Chat(engine, "7")
    for answer in ("/checkin", "7", "6", "7.5"):
        await sam.send(answer)
    [asked] = await sam.send("yes")  # plan adherence, the last standard question (no active goal)
    assert asked.text == "How many minutes did you run today?"
    [hint, again] = await sam.send("a lot")
    assert hint.text == "Please answer with a number, like 20 or 2.5." and again.text == asked.text
    [yes_no] = await sam.send("25")
    assert yes_no.text == "Do your legs feel fresh?" and [b.label for b in yes_no.all_buttons] == [
        "Yes",
        "No",
    ]
    [note] = await sam.send("no")
    assert note.text.startswith("Anything to add for your coach?")
    saved = await sam.send("/skip")
    assert saved[0].text.startswith("Check-in saved.")
    async with db.unit_of_work() as session:
        answers = (await session.scalars(select(CheckInAnswer).order_by(CheckInAnswer.id))).all()
        assert [(a.key, a.kind, a.value) for a in answers] == [
            ("run_minutes", "number", {"value": 25}),
            ("legs_fresh", "yes_no", {"value": False}),
        ]
        exported = await export_client(session, enrolled.client_id)
    assert [(a["key"], a["value"]) for a in exported["checkin_answers"]] == [
        ("run_minutes", {"value": 25}),
        ("legs_fresh", {"value": False}),
    ]
    assert exported["program_progress"][0]["enrollment_id"] == enrolled.enrollment_id


async def test_answers_appear_in_the_weekly_summary_and_the_digest(
    db: Database, engine: ConversationEngine, clock: FakeClock
) -> None:
    enrolled = await enroll_client(db, started=STARTED, text=QUESTIONS, timezone="UTC")
    sam = Chat(engine, "7")
    for minutes, fresh in (("20", "yes"), ("30", "no"), ("40", "yes")):
        await check_in(sam, minutes, fresh)
        clock.advance(timedelta(days=1))
    insights = InsightsService(db, clock=clock)
    summary = await insights.weekly_summary(
        enrolled.client_id, week_ending=(STARTED + timedelta(days=6)).date()
    )
    assert summary.text().endswith("\nProgram answers: run minutes avg 30 over 3; legs fresh yes 2 of 3")
    assert summary.to_dict()["program_answers"][0] == {
        "key": "run_minutes",
        "count": 3,
        "summary": "avg 30 over 3",
    }
    digest = await insights.coach_digest(
        enrolled.coach_id, week_ending=(STARTED + timedelta(days=6)).date(), period="week"
    )
    assert "run minutes avg 30 over 3, legs fresh yes 2 of 3" in digest.text()


async def test_a_client_without_a_program_gets_the_standard_check_in(
    db: Database, engine: ConversationEngine
) -> None:
    from tests.support.chat import register

    await register(db, "9")
    sam = Chat(engine, "9")
    for answer in ("/checkin", "7", "6", "7.5"):
        await sam.send(answer)
    [note] = await sam.send("yes")
    assert note.text.startswith("Anything to add for your coach?")


async def test_a_german_client_gets_the_questions_hint_in_german_and_may_answer_ja(
    db: Database, engine: ConversationEngine
) -> None:
    enrolled = await enroll_client(db, started=STARTED, text=QUESTIONS, timezone="UTC")
    async with db.unit_of_work() as session:
        client = await session.get(Client, enrolled.client_id)
        assert client is not None
        client.locale = "de"
    sam = Chat(engine, "7")
    for answer in ("/checkin", "7", "6", "7,5"):
        await sam.send(answer)
    [asked] = await sam.send("ja")
    assert asked.text == "How many minutes did you run today?"  # the coach's own words, as written
    [hint, again] = await sam.send("viel")
    assert hint.text == "Bitte antworte mit einer Zahl, z. B. 20 oder 2,5." and again.text == asked.text
    await sam.send("25")
    [hint, _again] = await sam.send("vielleicht")
    assert hint.text == "Bitte antworte mit ja oder nein."
    [note] = await sam.send("ja")
    assert not note.text.startswith("Bitte")  # the note for the coach is asked next
    await sam.send("/skip")
    async with db.unit_of_work() as session:
        answers = (await session.scalars(select(CheckInAnswer).order_by(CheckInAnswer.id))).all()
        assert [a.value for a in answers] == [{"value": 25}, {"value": True}]
