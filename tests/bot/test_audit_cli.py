"""``coach audit list``: filters by time, action and actor; refused requests show their count."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli.main import main
from domain.db import Database
from domain.services.audit import record_audit_event, record_rejected_request
from tests.support.databases import wipe


async def seed(url: str) -> None:
    db = Database(url)
    try:
        await wipe(db)
        now = datetime.now(UTC)
        for _ in range(3):
            async with db.unit_of_work() as s:
                await record_rejected_request(s, source="stripe", reason="bad signature", at=now)
        async with db.unit_of_work() as s:
            await record_audit_event(
                s, actor="slack:USTRANGE1", action="slack.refused", subject="slack:USTRANGE1", at=now
            )
            await record_audit_event(
                s, actor="cli", action="keys.rotated", subject="encryption", at=now - timedelta(days=3)
            )
    finally:
        await db.dispose()


def listed(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["audit", "list", "--json", *args]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


def test_audit_list_filters(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(database_url))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    assert [r["action"] for r in listed(capsys)] == ["slack.refused", "request.rejected", "keys.rotated"]
    (rejected,) = listed(capsys, "--action", "request.rejected")
    assert rejected["count"] == 3 and rejected["actor"] == "stripe"
    assert rejected["details"] == {"first_reason": "bad signature"}
    assert [r["action"] for r in listed(capsys, "--actor", "slack:*")] == ["slack.refused"]
    assert [r["action"] for r in listed(capsys, "--since", "24h")] == ["slack.refused", "request.rejected"]
    assert [r["action"] for r in listed(capsys, "--since", "2000-01-01", "--action", "keys.*")] == [
        "keys.rotated"
    ]

    assert [r["action"] for r in listed(capsys, "--until", "24h")] == ["keys.rotated"]
    assert main(["audit", "list"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["at", "(UTC)", "actor", "action", "subject", "count", "details"]
    assert len(table) == 4
    assert main(["audit", "list", "--since", "last tuesday"]) == 2


def test_audit_export_writes_every_match_as_csv(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io

    asyncio.run(seed(database_url))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    assert main(["audit", "export", "--since", "24h"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["at", "actor", "action", "subject", "count", "details"]
    assert [(r[2], r[4]) for r in rows[1:]] == [("slack.refused", "1"), ("request.rejected", "3")]
