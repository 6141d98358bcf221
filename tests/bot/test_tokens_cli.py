"""``coach tokens create|list|revoke``: a token is printed once, kept as a hash, and revocable."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.cli.main import main
from domain.db import Database
from domain.models import ApiToken
from domain.services.api_tokens import coach_for_token
from domain.services.audit import list_audit_events
from domain.services.coaches import create_coach
from domain.services.web_auth import hash_token
from tests.support.databases import wipe


async def one_coach(url: str) -> int:
    db = Database(url)
    try:
        await wipe(db)
        async with db.unit_of_work() as s:
            return (await create_coach(s, name="Ada", email="ada@example.com")).id
    finally:
        await db.dispose()


async def lookup(url: str, secret: str) -> tuple[int | None, list[str], list[str]]:
    db = Database(url)
    try:
        async with db.unit_of_work() as s:
            coach = await coach_for_token(s, secret)
            hashes = list((await s.scalars(select(ApiToken.token_hash))).all())
            actions = [e.action for e in await list_audit_events(s, action="api_token.*")]
        return (coach.id if coach else None), hashes, actions
    finally:
        await db.dispose()


def test_create_prints_once_stores_a_hash_and_revoke_ends_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    coach_id = asyncio.run(one_coach(database_url))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)

    assert main(["tokens", "create", "--coach", str(coach_id), "--label", "sheet"]) == 0
    out = capsys.readouterr()
    secret = out.out.strip()
    assert secret.startswith("sc_") and "not shown again" in out.err
    owner, hashes, _ = asyncio.run(lookup(database_url, secret))
    assert owner == coach_id and hashes == [hash_token(secret)] and secret not in hashes

    assert main(["tokens", "list"]) == 0
    listing = capsys.readouterr().out
    assert "sheet" in listing and secret[:10] + "…" in listing and secret not in listing and "live" in listing

    assert main(["tokens", "revoke", "1"]) == 0
    assert "token 1 revoked" in capsys.readouterr().out
    owner, _, actions = asyncio.run(lookup(database_url, secret))
    assert owner is None and actions == ["api_token.revoked", "api_token.created"]

    assert main(["tokens", "create", "--coach", "999"]) == 1
    assert "no coach with id 999" in capsys.readouterr().err
    assert main(["tokens", "revoke"]) == 2
    assert main(["tokens", "revoke", "--coach", str(coach_id)]) == 0
    assert "0 token(s)" in capsys.readouterr().out
