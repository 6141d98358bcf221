"""``coach clients reassign``: a client moves to another coach, audited; the same coach is refused."""

from __future__ import annotations

import asyncio

import pytest

from bot.cli.main import main
from domain.db import Database
from domain.services.clients import register_client
from domain.services.coaches import create_coach
from tests.support.databases import wipe


async def two_coaches_and_a_client(url: str) -> tuple[int, int, int]:
    db = Database(url)
    try:
        await wipe(db)
        async with db.unit_of_work() as s:
            ada = await create_coach(s, name="Ada", email="ada@example.com")
            ben = await create_coach(s, name="Ben", email="ben@example.com")
            sam = await register_client(
                s,
                platform="console",
                external_user_id="sam",
                chat_id="sam",
                display_name="Sam",
                coach_id=ada.id,
            )
            return ada.id, ben.id, sam.id
    finally:
        await db.dispose()


def test_clients_reassign_moves_a_client_and_refuses_a_move_to_the_same_coach(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, ben, sam = asyncio.run(two_coaches_and_a_client(database_url))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    assert main(["clients", "reassign", "--client", str(sam), "--coach", str(ben)]) == 0
    assert f"client {sam} (Sam) now belongs to coach {ben}" in capsys.readouterr().out
    assert main(["clients", "reassign", "--client", str(sam), "--coach", str(ben)]) == 1
    assert "already with Ben" in capsys.readouterr().err
