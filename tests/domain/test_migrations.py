"""Migrations run from empty on the backend under test and match the models exactly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from domain.db import Database
from domain.migrate import expected_heads, is_up_to_date, upgrade
from domain.models import Base
from tests.support.databases import discard_database_url, new_database_url


async def test_upgrade_from_empty_creates_every_table_and_matches_models(tmp_path: Path) -> None:
    url = await _new_url(tmp_path)
    db = Database(url)
    try:
        assert not await is_up_to_date(db)
        await upgrade(db)
        assert await is_up_to_date(db)
        async with db.engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata
                )
            )
        assert set(Base.metadata.tables) <= tables
        assert diff == [], f"models and migrations differ: {diff}"
        await upgrade(db)  # running again is a no-op
        assert await is_up_to_date(db)
    finally:
        await db.dispose()
        await _discard(url)


def test_there_is_at_least_one_head() -> None:
    assert expected_heads()


async def _new_url(tmp_path: Path) -> str:
    import asyncio

    return await asyncio.to_thread(new_database_url, tmp_path)


async def _discard(url: str) -> None:
    import asyncio

    await asyncio.to_thread(discard_database_url, url)
