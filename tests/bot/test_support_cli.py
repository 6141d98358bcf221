"""``coach support list|show|reply|close``: the admins' side, with a closed request refusing replies."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.cli.main import main
from domain.db import Database
from domain.models import OutboundMessage
from domain.services import support
from domain.services.clients import register_client
from domain.services.coaches import create_coach
from domain.services.support import Requester
from tests.support.databases import wipe


async def two_requests(url: str) -> None:
    db = Database(url)
    try:
        await wipe(db)
        async with db.unit_of_work() as s:
            client = await register_client(
                s, platform="telegram", external_user_id="42", chat_id="42", display_name="Sam"
            )
            coach = await create_coach(s, name="Ada", email="ada@example.com", slack_user_id="UADA")
            await support.open_ticket(s, Requester(client_id=client.id), "My reminders stopped\nsince Monday")
            await support.open_ticket(s, Requester(coach_id=coach.id), "How do I export a program?")
    finally:
        await db.dispose()


async def delivered(url: str) -> list[tuple[str, str, str]]:
    db = Database(url)
    try:
        async with db.sessions() as s:
            rows = (await s.scalars(select(OutboundMessage).order_by(OutboundMessage.id))).all()
            return [(r.platform, r.chat_id, str(r.payload.get("text"))) for r in rows]
    finally:
        await db.dispose()


def test_list_show_reply_close(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(two_requests(database_url))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)

    assert main(["support", "list"]) == 0
    listing = capsys.readouterr().out
    assert (
        "client 1 (Sam)" in listing
        and "coach 1 (Ada)" in listing
        and "My reminders stopped since Monday" in listing
    )
    assert main(["support", "show", "1"]) == 0
    assert "client:\nMy reminders stopped\nsince Monday" in capsys.readouterr().out

    assert (
        main(["support", "reply", "1", "--text", "Fixed: your quiet hours covered the reminder time."]) == 0
    )
    assert "now answered" in capsys.readouterr().out
    assert main(["support", "reply", "2", "--text", "Use `coach programs export`."]) == 0
    capsys.readouterr()
    sent = asyncio.run(delivered(database_url))
    assert (
        "telegram",
        "42",
        "🛟 Support, request #1:\nFixed: your quiet hours covered the reminder time.",
    ) in sent
    assert any(
        p == "slack" and chat == "UADA" and "Use `coach programs export`." in text for p, chat, text in sent
    )

    assert main(["support", "close", "1"]) == 0
    assert "support request #1 closed" in capsys.readouterr().out
    assert main(["support", "close", "1"]) == 0
    assert "already closed" in capsys.readouterr().out
    assert main(["support", "reply", "1", "--text", "One more thing"]) == 1
    assert "is closed, so it takes no replies" in capsys.readouterr().err
    assert main(["support", "list", "--status", "closed"]) == 0
    assert "client 1 (Sam)" in capsys.readouterr().out


def test_bad_input(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(two_requests(database_url))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    assert main(["support", "list", "--status", "pending"]) == 1
    assert "unknown status 'pending'" in capsys.readouterr().err
    assert main(["support", "reply", "9", "--text", "hi"]) == 1
    assert "no support request #9" in capsys.readouterr().err
    assert main(["support", "reply", "1", "--text", "  "]) == 1
    assert "needs some text" in capsys.readouterr().err
    assert main(["support", "reply", "x", "--text", "hi"]) == 2
    assert main(["support", "show", "9"]) == 1
