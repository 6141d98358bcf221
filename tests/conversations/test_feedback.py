"""/feedback transcripts."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from domain.db import Database
from domain.models import Feedback
from tests.support.chat import Chat, register, texts


async def test_score_and_comment(db: Database, chat: Callable[[str], Chat]) -> None:
    await register(db, "u1")
    c = chat("u1")
    replies = await c.send("/feedback")
    assert [b.label for b in replies[-1].all_buttons] == ["1", "2", "3", "4", "5"]
    assert "from 1 to 5" in texts(await c.send("6"))
    assert "Anything you'd like to add" in texts(await c.send("four"))
    assert "Thank you" in texts(await c.send("More video calls please"))
    await c.send("/feedback")
    await c.send(payload="5")
    await c.press("Skip")
    async with db.unit_of_work() as session:
        rows = (await session.scalars(select(Feedback).order_by(Feedback.id))).all()
    assert [(f.score, f.comment) for f in rows] == [(4, "More video calls please"), (5, None)]


async def test_cancel_and_too_long_comment(db: Database, chat: Callable[[str], Chat]) -> None:
    await register(db, "u1")
    c = chat("u1")
    await c.send("/feedback")
    assert "stopped" in texts(await c.send("/cancel"))
    await c.send("/feedback")
    await c.send("3")
    assert "under 4000 characters" in texts(await c.send("y" * 4001))
    assert "stopped" in texts(await c.send("/cancel"))
    async with db.unit_of_work() as session:
        assert (await session.scalars(select(Feedback))).all() == []
