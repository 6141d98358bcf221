"""Importing check-in history: validation with line numbers, one transaction, dry runs, re-runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.db import Database
from domain.insights import history_import
from domain.insights.history_import import IMPORT_CONSENT_NOTE, guess_kind, import_file
from domain.models import CheckIn, Client, ConsentRecord
from domain.services import checkins
from domain.services.clients import register_client

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
CSV = """identity,client name,timezone,timestamp,mood,energy,sleep hours,adherence,goal progress,note
telegram:42,Ana Silva,Europe/Berlin,2026-11-20T08:30:00,7,6,7.5,yes,40,"Good day,
two lines"
telegram:42,,,2026-11-21T08:30:00+01:00,11,6,7.5,yes,,
telegram:42,,,2026-11-22T08:30:00,6,6,abc,yes,,
slack:U9,,UTC,2026-11-22T08:30:00Z,6,6,7,yes,,
slack:U7,Ben Okafor,Mars/Base,2026-11-22T08:30:00Z,6,6,7,yes,,
slack:U8,Chloe Martin,UTC,2030-01-01T08:30:00Z,6,6,7,maybe,,
slack:U8,Chloe Martin,UTC,2026-11-22T07:00:00Z,6,6,7,partly,,Tired
"""


async def count(db: Database, model: type) -> int:
    async with db.unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_rejected_rows_are_reported_with_line_numbers(db: Database) -> None:
    report = await import_file(db, CSV, kind="csv", now=NOW)
    assert report.rows == 7 and report.imported == 2
    assert [(r.line, r.reason) for r in report.rejected] == [
        (4, "mood must be a whole number from 1 to 10"),
        (5, "sleep hours must be a number"),
        (6, "a new client needs a client name"),
        (7, "unknown timezone 'Mars/Base'"),
        (8, "adherence must be yes, partly or no"),
    ]
    assert sorted(report.clients_created) == ["slack:U8", "telegram:42"]
    async with db.unit_of_work() as session:
        ana = await session.scalar(select(Client).where(Client.display_name == "Ana Silva"))
        assert ana is not None and ana.timezone == "Europe/Berlin"
        first = await session.scalar(select(CheckIn).where(CheckIn.client_id == ana.id))
        assert first is not None and first.source_channel == "import" and first.note == "Good day,\ntwo lines"
        # A time without an offset is the client's local time: 08:30 in Berlin is 07:30 UTC.
        assert first.created_at == datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
        consents = (await session.scalars(select(ConsentRecord))).all()
        assert {c.note for c in consents} == {IMPORT_CONSENT_NOTE} and all(c.accepted for c in consents)


async def test_a_dry_run_changes_nothing(db: Database) -> None:
    report = await import_file(db, CSV, kind="csv", now=NOW, dry_run=True)
    assert report.dry_run and report.imported == 2 and len(report.rejected) == 5
    assert await count(db, CheckIn) == 0 and await count(db, Client) == 0


async def test_importing_twice_adds_nothing_the_second_time(db: Database) -> None:
    await import_file(db, CSV, kind="csv", now=NOW)
    again = await import_file(db, CSV, kind="csv", now=NOW)
    assert again.imported == 0 and again.duplicates == 2 and again.clients_created == []
    assert await count(db, CheckIn) == 2


async def test_json_lines_and_existing_clients(db: Database) -> None:
    async with db.unit_of_work() as session:
        await register_client(
            session,
            platform="telegram",
            external_user_id="7",
            chat_id="7",
            display_name="Dev Patel",
            timezone="Asia/Tokyo",
        )
    text = "\n".join(
        [
            '{"identity": "telegram:7", "timestamp": "2026-11-21T21:00:00", "mood": 8, "energy": 7,'
            ' "sleep_hours": 6.5, "adherence": "yes"}',
            "",
            "not json",
            '["a list"]',
            '{"identity": "telegram:7", "timestamp": "2026-11-21T21:00:00", "mood": 8, "energy": 7,'
            ' "sleep_hours": 6.5, "adherence": "yes"}',
        ]
    )
    report = await import_file(db, text, kind=guess_kind("history.jsonl", text), now=NOW)
    assert report.imported == 1 and report.duplicates == 1 and report.clients_created == []
    assert [r.line for r in report.rejected] == [3, 4]
    async with db.unit_of_work() as session:
        at = await session.scalar(select(CheckIn.created_at))
        assert at == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # 21:00 in Tokyo


def test_kind_is_guessed_from_name_then_content() -> None:
    assert guess_kind("a.csv", "{") == "csv"
    assert guess_kind("a.jsonl", "x") == "jsonl"
    assert guess_kind("export.txt", '{"identity": 1}') == "jsonl"


async def test_imported_notes_are_stored_with_their_language(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The history import detects each note's language once, so digests need not, and before each
    chunk's transaction opens, so none waits on the detector."""
    in_chunk: list[bool] = []
    detected: list[tuple[str, bool]] = []
    real_chunk = history_import._import_chunk
    real_language = checkins.note_language

    async def chunk(*args: Any) -> None:
        in_chunk.append(True)
        try:
            await real_chunk(*args)
        finally:
            in_chunk.pop()

    def language(text: str) -> str:
        detected.append((text, bool(in_chunk)))
        return real_language(text)

    monkeypatch.setattr(history_import, "_import_chunk", chunk)
    monkeypatch.setattr(checkins, "note_language", language)
    history = """identity,client name,timezone,timestamp,mood,energy,sleep hours,adherence,goal progress,note
telegram:51,Ana Silva,UTC,2026-11-20T08:30:00,7,6,7.5,yes,,"Great run today, I feel amazing!"
telegram:51,,,2026-11-21T08:30:00,7,6,7.5,yes,,"Heute war ein wirklich schlechter Tag, ich bin sehr müde."
telegram:51,,,2026-11-22T08:30:00,7,6,7.5,yes,,
"""
    report = await import_file(db, history, kind="csv", now=NOW)
    assert report.imported == 3
    async with db.unit_of_work() as session:
        stored = (
            await session.execute(select(CheckIn.note, CheckIn.note_language).order_by(CheckIn.id))
        ).all()
    assert [tuple(r) for r in stored] == [
        ("Great run today, I feel amazing!", "en"),
        ("Heute war ein wirklich schlechter Tag, ich bin sehr müde.", "de"),
        (None, None),
    ]
    assert len(detected) == 2 and not [text for text, inside in detected if inside]
