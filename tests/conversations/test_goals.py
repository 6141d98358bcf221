"""/goals transcripts: list, update progress, mark done, add, archive, suggestions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from conversations.ports import SuggestedGoal
from domain.db import Database
from domain.models import Goal
from tests.conversations.conftest import CoachSetup, walking_goals
from tests.support.chat import Chat, FakeClock, onboard, running_engine, texts


async def goals(db: Database) -> list[Goal]:
    async with db.unit_of_work() as session:
        return list((await session.scalars(select(Goal).order_by(Goal.id))).all())


async def test_list_and_update_progress(db: Database, client_chat: Chat) -> None:
    replies = await client_chat.send("/goals")
    assert "1. run 5 km by 2027-03-01 - 0% (by 2027-03-01)" in texts(replies)
    assert "How far along" in texts(await client_chat.press("Update progress"))  # one goal: no choice
    assert "percentage" in texts(await client_chat.send("lots"))
    assert "is at 60%" in texts(await client_chat.send("60%"))
    assert (await goals(db))[0].progress == 60


async def test_add_then_choose_which_goal_to_finish_and_archive(db: Database, client_chat: Chat) -> None:
    await client_chat.send("/goals")
    assert "Describe your new goal" in texts(await client_chat.press("Add goal"))
    assert "describe your goal" in texts(await client_chat.send("   "))
    assert "Added your goal" in texts(await client_chat.send("read 12 books by 2027-12-31"))
    await client_chat.send("/goals")
    assert "Which goal?" in texts(await client_chat.press("Mark done"))
    assert "pick a goal" in texts(await client_chat.send("7"))
    assert "Well done" in texts(await client_chat.send("2"))
    await client_chat.send("/goals")
    assert "archived" in texts(await client_chat.press("Archive"))  # one open goal left: no choice
    first, second = await goals(db)
    assert (first.status, second.status, second.progress) == ("archived", "done", 100)
    assert second.target == 12 and second.due_date == date(2027, 12, 31)


async def test_invalid_action_and_cancel(client_chat: Chat) -> None:
    await client_chat.send("/goals")
    assert "choose one of the buttons" in texts(await client_chat.send("dance"))
    assert "stopped" in texts(await client_chat.send("/cancel"))


async def test_no_goals_offers_only_add(db: Database, client_chat: Chat) -> None:
    await client_chat.send("/goals")
    await client_chat.press("Archive")
    replies = await client_chat.send("/goals")
    assert "no open goals" in texts(replies)
    assert [b.label for b in replies[-1].all_buttons] == ["Add goal"]
    assert "choose one of the buttons" in texts(await client_chat.send("done"))


class Suggester:
    def __init__(self) -> None:
        self.asked: list[int] = []

    async def suggest_goals(self, client_id: int) -> list[SuggestedGoal]:
        self.asked.append(client_id)
        return walking_goals()


async def test_suggested_goals_are_offered_and_one_is_accepted(
    db: Database, clock: FakeClock, coach_setup: CoachSetup
) -> None:
    suggester = Suggester()
    async with running_engine(db, clock=clock, goal_suggester=suggester) as engine:
        c = Chat(engine, "u1")
        await onboard(c)
        await c.send("/goals")
        replies = await c.press("Suggest goals")
        assert [b.label for b in replies[-1].all_buttons] == [
            "Walk 1 km a day",
            "Walk 2 km a day",
            "Walk 3 km a day",
        ]
        assert "Added your goal: 'Walk 2 km a day'" in texts(await c.press("Walk 2 km a day"))
        assert "no longer available" in texts(await c.send("/goals accept:999"))
    statuses = {g.text: g.status for g in await goals(db)}
    assert statuses["Walk 2 km a day"] == "active" and statuses["Walk 1 km a day"] == "suggested"
    assert len(suggester.asked) == 1
