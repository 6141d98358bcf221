"""Fresh databases for whole-process scenarios (each run gets its own, migrated and seeded)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from tests.durability.worker import prepare_database
from tests.support.databases import TEST_DATABASE_ENV, create_postgres_database, drop_postgres_database


@pytest.fixture
async def database_factory(tmp_path: Path) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    made: list[str] = []

    async def new() -> str:
        base = os.environ.get(TEST_DATABASE_ENV)
        if base:
            url = await create_postgres_database(base, prefix="coach_crash")
        else:
            url = f"sqlite+aiosqlite:///{tmp_path / f'crash-{len(made)}.db'}"
        made.append(url)
        await prepare_database(url)
        return url

    yield new
    base = os.environ.get(TEST_DATABASE_ENV)
    for url in made:
        if base and url.startswith("postgresql"):
            await drop_postgres_database(base, url)
