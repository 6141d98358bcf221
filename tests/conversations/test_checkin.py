"""Check-in transcripts: order, typed answers, validation, note, photo, streak, low mood, feedback offer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from conversations.engine import ConversationEngine
from conversations.messages import Attachment
from domain.db import Database
from domain.insights import note_language
from domain.models import CheckIn, Goal, OutboundMessage
from tests.support.chat import Chat, FakeClock, register, texts


async def stored(db: Database) -> list[CheckIn]:
    async with db.unit_of_work() as session:
        return list((await session.scalars(select(CheckIn).order_by(CheckIn.id))).all())


async def test_steps_come_in_order_and_everything_is_saved_at_the_end(
    db: Database, client_chat: Chat
) -> None:
    c = client_chat
    replies = await c.send("/checkin")
    assert "mood" in texts(replies) and [b.label for b in replies[-1].all_buttons] == [
        str(n) for n in range(1, 11)
    ]
    assert "energy" in texts(await c.send("seven"))
    assert "sleep" in texts(await c.send(payload="6"))
    assert "stick to your plan" in texts(await c.send("7h30"))
    assert "run 5 km" in texts(await c.send("mostly"))
    assert await stored(db) == []  # nothing until the last step
    assert "Anything to add" in texts(await c.send("40 %"))
    replies = await c.send("Legs were sore")
    assert "Streak: 1 day in a row" in texts(replies) and "first check-in this week" in texts(replies)
    [check_in] = await stored(db)
    assert (check_in.mood, check_in.energy, check_in.sleep_hours, check_in.adherence) == (7, 6, 7.5, "partly")
    assert (check_in.goal_progress, check_in.note, check_in.source_channel) == (
        40,
        "Legs were sore",
        "console",
    )
    # Detected as the note was written (langdetect used to read these three words as Afrikaans).
    assert check_in.note_language == "en"
    async with db.unit_of_work() as session:
        goal = await session.scalar(select(Goal))
    assert goal is not None and goal.progress == 40 and check_in.goal_id == goal.id


async def test_validation_of_every_step(db: Database, client_chat: Chat) -> None:
    c = client_chat
    await c.send("/checkin")
    assert "from 1 to 10" in texts(await c.send("11"))
    assert "from 1 to 10" in texts(await c.send("great"))
    await c.send("8")
    assert "from 1 to 10" in texts(await c.send("0"))
    await c.send("8")
    replies = await c.send("lots")
    assert "hours" in replies[0].text and "How many hours" in replies[-1].text
    assert "0 to 24" in texts(await c.send("25"))
    await c.send("7:30")
    assert "yes, partly or no" in texts(await c.send("banana"))
    await c.send("no")
    assert "percentage" in texts(await c.send("150"))
    await c.send("half")
    long_note = "x" * 4001
    assert "4001 characters" in texts(await c.send(long_note))
    replies = await c.send("/skip")
    assert "Check-in saved" in texts(replies)
    [check_in] = await stored(db)
    assert (check_in.mood, check_in.energy, check_in.sleep_hours, check_in.adherence) == (8, 8, 7.5, "no")
    assert check_in.goal_progress == 50 and check_in.note is None and check_in.note_language is None


CHECKIN_WITH_GOAL = ["/checkin", "7", "6", "7", "yes", "40", "/skip"]


@pytest.mark.parametrize("steps_before_cancel", range(1, len(CHECKIN_WITH_GOAL)))
async def test_cancel_at_every_step_saves_nothing(
    db: Database, client_chat: Chat, steps_before_cancel: int
) -> None:
    for text in CHECKIN_WITH_GOAL[:steps_before_cancel]:
        await client_chat.send(text)
    assert "stopped" in texts(await client_chat.send("/cancel"))
    assert await stored(db) == []


async def test_photo_during_the_note_step_is_kept(db: Database, client_chat: Chat) -> None:
    for text in CHECKIN_WITH_GOAL[:-1]:
        await client_chat.send(text)
    photo = Attachment(kind="photo", file_id="file-123", mime_type="image/jpeg")
    replies = await client_chat.send("My meal", attachments=(photo,))
    assert "Check-in saved" in texts(replies)
    [check_in] = await stored(db)
    assert check_in.note == "My meal" and check_in.attachments[0]["file_id"] == "file-123"


async def test_the_notes_language_is_stored_with_it(db: Database, client_chat: Chat) -> None:
    for text in CHECKIN_WITH_GOAL[:-1]:
        await client_chat.send(text)
    await client_chat.send("Heute war ein wirklich schlechter Tag, ich bin sehr müde.")
    [check_in] = await stored(db)
    assert check_in.note_language == "de"


async def test_the_notes_language_is_detected_before_the_transaction(
    db: Database, client_chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No transaction waits on the detector: a batch detects its messages' notes in a worker thread
    first, then the check-in is written with the language found."""
    open_transactions: list[bool] = []
    seen: list[tuple[str, bool]] = []
    real_transaction = ConversationEngine._transaction
    real_guess = note_language._top_guess

    async def transaction(self: ConversationEngine, *args: Any) -> Any:
        open_transactions.append(True)
        try:
            return await real_transaction(self, *args)
        finally:
            open_transactions.pop()

    def guess(text: str) -> tuple[str, float]:
        seen.append((text, bool(open_transactions)))
        return real_guess(text)

    monkeypatch.setattr(ConversationEngine, "_transaction", transaction)
    monkeypatch.setattr(note_language, "_top_guess", guess)
    monkeypatch.setattr(note_language, "_remembered", note_language._Remembered(10))
    for text in CHECKIN_WITH_GOAL[:-1]:
        await client_chat.send(text)
    spanish = "Hoy fue un día muy bueno, estoy contento con el progreso."
    await client_chat.send(spanish)
    [check_in] = await stored(db)
    assert check_in.note_language == "es"
    assert (spanish, False) in seen and not [t for t, during in seen if during]


async def test_streak_and_weekly_comparison(db: Database, client_chat: Chat, clock: FakeClock) -> None:
    for day in range(3):
        for text in ["/checkin", str(5 + day), "6", "7", "yes", "40", "/skip"]:
            replies = await client_chat.send(text)
        clock.advance(timedelta(days=1))
    assert "Streak: 3 days in a row" in texts(replies)
    assert "mood 5.5, energy 6.0, sleep 7.0" in texts(replies)


async def test_low_mood_notifies_the_coach_in_the_same_transaction(db: Database, client_chat: Chat) -> None:
    for text in ["/checkin", "2", "3", "5", "no", "10"]:
        await client_chat.send(text)
    replies = await client_chat.send("rough week")
    assert "let your coach know" in texts(replies)
    async with db.unit_of_work() as session:
        notices = [n.payload for n in (await session.scalars(select(OutboundMessage))).all()]
    low = [n for n in notices if n.get("kind") == "low_mood"]
    assert len(low) == 1 and low[0]["data"]["mood"] == 2 and "Sam" in low[0]["text"]


async def test_mood_above_three_does_not_alert(db: Database, client_chat: Chat) -> None:
    for text in CHECKIN_WITH_GOAL:
        await client_chat.send(text)
    async with db.unit_of_work() as session:
        kinds = [n.payload["kind"] for n in (await session.scalars(select(OutboundMessage))).all()]
    assert "low_mood" not in kinds


async def test_feedback_is_offered_every_fourth_check_in_at_most_once_a_fortnight(
    db: Database, client_chat: Chat, clock: FakeClock
) -> None:
    offers = []
    for _ in range(1, 13):
        for text in CHECKIN_WITH_GOAL:
            replies = await client_chat.send(text)
        offers.append("Would you tell us how coaching is going" in texts(replies))
        clock.advance(timedelta(days=1))
    # 4th: offered; 8th: only 4 days later, so not; 12th: 8 days after the first offer, still not.
    assert [i + 1 for i, offered in enumerate(offers) if offered] == [4]
    clock.advance(timedelta(days=14))
    for _ in range(4):
        for text in CHECKIN_WITH_GOAL:
            replies = await client_chat.send(text)
    assert "Would you tell us" in texts(replies)
    assert "How happy are you" in texts(await client_chat.press("Give feedback"))


async def test_check_in_without_goal_skips_progress(db: Database, chat: Callable[[str], Chat]) -> None:
    await register(db, "u2")
    c = chat("u2")
    for text in ["/checkin", "7", "6", "7"]:
        await c.send(text)
    assert "Anything to add" in texts(await c.send("yes"))
    await c.send("ok")
    async with db.unit_of_work() as session:
        assert await session.scalar(select(func.count()).select_from(CheckIn)) == 1
