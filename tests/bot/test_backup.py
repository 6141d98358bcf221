"""``coach backup`` → a fresh empty database → ``coach restore``: the client's export is the same."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.cli.main import main
from domain.db import Database
from domain.migrate import is_up_to_date
from domain.services import checkins, clients, coaches, goals, messages
from domain.services.export import export_client
from tests.support.databases import discard_database_url, new_database_url, wipe


async def populate(url: str) -> int:
    db = Database(url)
    try:
        await wipe(db)
        async with db.unit_of_work() as s:
            coach = await coaches.create_coach(s, name="Bea Coach", email="bea@example.com")
            client = await clients.register_client(
                s,
                platform="telegram",
                external_user_id="4401",
                chat_id="4401",
                display_name="Olu",
                coach_id=coach.id,
            )
            await checkins.record_check_in(
                s,
                client_id=client.id,
                mood=7,
                energy=6,
                sleep_hours=7.5,
                adherence="yes",
                source_channel="telegram",
                note="felt strong on the hills",
            )
            await goals.set_goal(s, client_id=client.id, text="Run 10 km by spring")
            await messages.record_client_message(
                s, client_id=client.id, channel="telegram", text="thanks coach"
            )
            return client.id
    finally:
        await db.dispose()


async def exported(url: str, client_id: int) -> dict[str, Any]:
    db = Database(url)
    try:
        async with db.sessions() as s:
            return await export_client(s, client_id)
    finally:
        await db.dispose()


async def up_to_date(url: str) -> bool:
    db = Database(url)
    try:
        return await is_up_to_date(db)
    finally:
        await db.dispose()


def test_backup_verify_then_restore_into_an_empty_database(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client_id = asyncio.run(populate(database_url))
    before = asyncio.run(exported(database_url, client_id))
    file = tmp_path / "backups" / "coach.backup"

    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    assert main(["backup", str(file), "--verify"]) == 0
    out = capsys.readouterr().out
    assert f"backup written to {file}" in out and "verified: restored into a scratch database" in out
    assert file.stat().st_size > 0

    empty = new_database_url(tmp_path)  # the database lost: a new, empty one
    try:
        monkeypatch.setenv("COACH_DATABASE_URL", empty)
        assert main(["restore", str(file)]) == 0
        assert "restored" in capsys.readouterr().out
        assert asyncio.run(up_to_date(empty))
        assert asyncio.run(exported(empty, client_id)) == before
        assert before["check_ins"] and before["goals"]  # the export holds what the client wrote

        assert main(["restore", str(file)]) == 1  # never over data
        assert "not empty" in capsys.readouterr().err
    finally:
        discard_database_url(empty)
    assert main(["restore", str(tmp_path / "missing.backup")]) == 1
