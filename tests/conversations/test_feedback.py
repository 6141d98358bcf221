"""/feedback transcripts."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from domain.db import Database
from domain.models import Client, Coach, Feedback, OutboundMessage, SystemFeedback
from domain.models.enums import CoachRole
from domain.services.export import export_client
from tests.support.chat import Chat, register, texts


async def test_score_and_comment(db: Database, chat: Callable[[str], Chat]) -> None:
    await register(db, "u1")
    c = chat("u1")
    replies = await c.send("/feedback")
    assert [b.label for b in replies[-1].all_buttons] == ["1", "2", "3", "4", "5", "About the bot itself"]
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


async def test_feedback_about_the_bot_goes_to_the_admins_not_the_coach(
    db: Database, chat: Callable[[str], Chat]
) -> None:
    client_id = await register(db, "u1")
    async with db.unit_of_work() as session:
        coach = Coach(name="Kim", email="kim@example.com", invite_code="KIM", slack_user_id="UCOACH")
        admin = Coach(
            name="Ada",
            email="ada@example.com",
            invite_code="ADA",
            slack_user_id="UADMIN",
            role=CoachRole.ADMIN,
        )
        session.add_all([coach, admin])
        await session.flush()
        client = await session.get(Client, client_id)
        assert client is not None
        client.coach_id = coach.id
    c = chat("u1")
    await c.send("/feedback")
    assert "not to your coach" in texts(await c.press("About the bot itself"))
    assert "write a few words" in texts(await c.send("   "))
    assert "write a few words" in texts(await c.send(payload="3"))
    assert "under 4000 characters" in texts(await c.send("y" * 4001))
    replies = await c.send("The <b>buttons</b> vanish after a restart")
    assert "passed it on to the team" in texts(replies)
    assert "Anything" not in texts(await c.send("/checkin"))  # the flow ended
    async with db.unit_of_work() as session:
        stored = (await session.scalars(select(SystemFeedback))).all()
        assert [(f.client_id, f.text) for f in stored] == [
            (client_id, "The <b>buttons</b> vanish after a restart")
        ]
        assert (await session.scalars(select(Feedback))).all() == []
        notices = (await session.scalars(select(OutboundMessage))).all()
        assert [(n.platform, n.chat_id) for n in notices] == [("slack", "UADMIN")]
        assert notices[0].payload["kind"] == "system_feedback"
        assert notices[0].payload["text"] == "The <b>buttons</b> vanish after a restart"
        export = await export_client(session, client_id)
    assert [f["text"] for f in export["system_feedback"]] == ["The <b>buttons</b> vanish after a restart"]
