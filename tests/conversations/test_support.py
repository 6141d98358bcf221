"""/support transcripts through the real engine: a request goes to the admins (not the coach), an
admin's answer reaches the client's chat, the client answers back and closes it; bad input re-prompts,
a closed request takes no replies, someone else's request is not found."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from conversations.flows import support as support_flow
from conversations.support import answer_ticket, close_ticket_by_team
from domain import rules
from domain.db import Database
from domain.models import Coach, OutboundMessage, SupportMessage, SupportTicket
from domain.models.enums import CoachRole
from domain.services import support
from domain.services.audit import list_audit_events
from domain.services.coaches import create_coach
from tests.support.chat import Chat, onboard, texts


@pytest.fixture(autouse=True)
def commands() -> Iterator[None]:
    from tests.support.chat import registered

    with registered(support_flow.register):
        yield


@pytest.fixture
async def admin(db: Database) -> Coach:
    async with db.unit_of_work() as session:
        return await create_coach(
            session, name="Ida Admin", email="ida@example.com", slack_user_id="UADMIN", role=CoachRole.ADMIN
        )


async def outbox(db: Database) -> list[OutboundMessage]:
    async with db.sessions() as session:
        return list((await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))).all())


async def tickets(db: Database) -> list[tuple[int, str]]:
    async with db.sessions() as session:
        return [
            (t.id, t.status)
            for t in (await session.scalars(select(SupportTicket).order_by(SupportTicket.id))).all()
        ]


def notices(rows: list[OutboundMessage], chat: str) -> list[dict[str, Any]]:
    return [r.payload for r in rows if r.chat_id == chat and r.payload.get("type") == "coach_notice"]


async def test_a_request_goes_to_the_admins_and_the_answer_back_to_the_chat(
    db: Database, client_chat: Chat, admin: Coach
) -> None:
    replies = await client_chat.send("/support")
    assert "not to your coach" in texts(replies)
    replies = await client_chat.send(
        "The app says my payment failed <@U123> but the bank says it went through"
    )
    assert "support request #1 is open" in texts(replies)
    assert await tickets(db) == [(1, "open")]
    rows = await outbox(db)
    [notice] = notices(rows, "UADMIN")
    assert notice["kind"] == "support_ticket" and "payment failed <@U123>" in notice["text"]
    assert [n["kind"] for n in notices(rows, "UADA")] == ["new_client"]  # the coach is not told

    async with db.unit_of_work() as session:
        await answer_ticket(
            session, 1, "We refunded the double charge.", admin_id=admin.id, actor=f"coach:{admin.id}"
        )
    [answer] = [r.payload for r in await outbox(db) if r.chat_id == "chat-u1"]
    assert "Support, request #1" in answer["text"] and "refunded the double charge" in answer["text"]
    assert [b["payload"] for row in answer["buttons"] for b in row] == [
        "/support reply 1",
        "/support close 1",
    ]
    assert await tickets(db) == [(1, "answered")]

    replies = await client_chat.send(payload="/support reply 1")
    assert "Your reply to support request #1" in texts(replies)
    assert "went to the team" in texts(await client_chat.send("Thanks, I see it now."))
    assert await tickets(db) == [(1, "open")]
    assert len(notices(await outbox(db), "UADMIN")) == 2

    replies = await client_chat.send("/support")
    assert "#1 – waiting for the team" in texts(replies)
    assert "request #1 is closed" in texts(await client_chat.press("Close #1"))
    assert await tickets(db) == [(1, "closed")]
    async with db.sessions() as session:
        actions = [e.action for e in await list_audit_events(session, action="support.*")]
        authors = [
            m.author
            for m in (await session.scalars(select(SupportMessage).order_by(SupportMessage.id))).all()
        ]
    assert sorted(actions) == ["support.answered", "support.closed", "support.opened", "support.replied"]
    assert authors == ["client", "admin", "client"]


async def test_bad_input_re_prompts_and_nothing_is_opened(
    db: Database, client_chat: Chat, admin: Coach
) -> None:
    await client_chat.send("/support")
    assert "type your question as text" in texts(await client_chat.send("   "))
    assert "type your question as text" in texts(await client_chat.send(payload="/skip"))
    assert "under 4000 characters" in texts(await client_chat.send("x" * (rules.NOTE_MAX_CHARS + 1)))
    assert "Okay, stopped" in texts(await client_chat.send("/cancel"))
    assert await tickets(db) == []
    for command in ("/support reply", "/support reply abc", "/support close"):
        assert "not to your coach" in texts(await client_chat.send(command))  # no request yet: asks for one
        await client_chat.send("/cancel")


async def test_a_closed_request_takes_no_replies(db: Database, client_chat: Chat, admin: Coach) -> None:
    await client_chat.send("/support new")
    await client_chat.send("Where do I change my email?")
    await client_chat.send(payload="/support reply 1")  # the client starts a reply ...
    async with db.unit_of_work() as session:
        await close_ticket_by_team(session, 1, actor="cli")  # ... and the team closes it meanwhile
    replies = await client_chat.send("Also my name")
    assert "request #1 is closed, so it can't take replies" in texts(replies)
    assert "is closed, so it can't take replies" in texts(await client_chat.send("/support reply 1"))
    assert "already closed" in texts(await client_chat.send("/support close 1"))
    told = [r.payload["text"] for r in await outbox(db) if r.chat_id == "chat-u1"]
    assert any("The team closed your support request #1" in t for t in told)
    with pytest.raises(support.TicketClosed):
        async with db.unit_of_work() as session:
            await answer_ticket(session, 1, "Late answer", admin_id=None, actor="cli")
    async with db.sessions() as session:
        assert len(await support.ticket_messages(session, 1)) == 1


async def test_someone_elses_request_is_not_found(db: Database, chat: Any, coach_setup: Any) -> None:
    first, second = chat("u1"), chat("u2")
    await onboard(first)
    await onboard(second)
    await first.send("/support")
    await first.send("Private question")
    assert "can't find support request #1 of yours" in texts(await second.send("/support reply 1"))
    assert "can't find support request #1 of yours" in texts(await second.send("/support close 1"))
    assert "can't find support request #99 of yours" in texts(await first.send("/support reply 99"))
    assert await tickets(db) == [(1, "open")]


async def test_admin_replies_are_refused_to_non_admins_and_the_text_is_checked(
    db: Database, client_chat: Chat, admin: Coach
) -> None:
    await client_chat.send("/support")
    await client_chat.send("Help")
    async with db.sessions() as session:
        coach = await session.scalar(select(Coach).where(Coach.role == CoachRole.COACH))
    assert coach is not None
    with pytest.raises(support.PermissionDenied):
        async with db.unit_of_work() as session:
            await answer_ticket(session, 1, "I am not an admin", admin_id=coach.id, actor="x")
    with pytest.raises(support.ValidationError):
        async with db.unit_of_work() as session:
            await answer_ticket(session, 1, "   ", admin_id=None, actor="cli")
    with pytest.raises(support.NotFound):
        async with db.unit_of_work() as session:
            await answer_ticket(session, 42, "Hello", admin_id=None, actor="cli")
    assert await tickets(db) == [(1, "open")]


async def test_the_request_is_translated_for_the_client(
    db: Database, client_chat: Chat, admin: Coach
) -> None:
    await client_chat.send("/language de")
    assert "nicht an deinen Coach" in texts(await client_chat.send("/support"))
    await client_chat.send("Hilfe")
    async with db.unit_of_work() as session:
        await answer_ticket(session, 1, "Erledigt.", admin_id=None, actor="cli")
    [answer] = [r.payload for r in await outbox(db) if r.chat_id == "chat-u1"]
    assert answer["text"].startswith("🛟 Support, Anfrage #1")
