"""``coach db note-languages``: notes written before languages were stored get theirs, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import CheckIn, Client
from tests.bot.test_cli import cli_db, run  # noqa: F401 - the CLI's database fixture
from tests.support.databases import run_in_session

NOTES = [
    "Great run today, I feel amazing!",
    "Heute war ein wirklich schlechter Tag, ich bin sehr müde.",
    None,
    "Сегодня был тяжёлый день",
]


def test_old_notes_get_their_language(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    start = datetime(2026, 11, 1, 8, tzinfo=UTC)

    async def seed(session: AsyncSession) -> None:
        client_id = (
            await session.execute(insert(Client).returning(Client.id), [{"display_name": "Ada"}])
        ).scalar_one()
        # As rows written before migration 0034: a note, no language.
        await session.execute(
            insert(CheckIn),
            [
                {
                    "client_id": client_id,
                    "mood": 5,
                    "energy": 5,
                    "sleep_hours": 7.0,
                    "adherence": "yes",
                    "note": note,
                    "note_language": None,
                    "attachments": [],
                    "source_channel": "telegram",
                    "created_at": start + timedelta(days=n),
                }
                for n, note in enumerate(NOTES)
            ],
        )

    run_in_session(cli_db, seed)
    code, out, _ = run(capsys, "db", "note-languages")
    assert code == 0 and "3 notes given their language" in out
    stored: list[str | None] = []

    async def read(session: AsyncSession) -> None:
        stored.extend((await session.scalars(select(CheckIn.note_language).order_by(CheckIn.id))).all())
        # A language stored meanwhile is not detected again by a second run.
        await session.execute(update(CheckIn).where(CheckIn.note_language == "ru").values(note_language=None))

    run_in_session(cli_db, read)
    assert stored == ["en", "de", None, "ru"]
    code, out, _ = run(capsys, "db", "note-languages")
    assert code == 0 and "1 notes given their language" in out
