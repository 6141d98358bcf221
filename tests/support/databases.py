"""Throwaway databases: a SQLite file, or a fresh PostgreSQL database on the server named by
``COACH_TEST_DATABASE_URL`` (so parallel test runs never share state)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import Database
from domain.models import Base

TEST_DATABASE_ENV = "COACH_TEST_DATABASE_URL"


def postgres_requested() -> bool:
    return bool(os.environ.get(TEST_DATABASE_ENV))


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_postgres_database(base_url: str, prefix: str = "coach_t") -> str:
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(_asyncpg_dsn(base_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(base_url: str, url: str) -> None:
    name = make_url(url).database
    conn = await asyncpg.connect(_asyncpg_dsn(base_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def new_database_url(tmp_dir: Path) -> str:
    """An empty database on the backend under test."""
    base = os.environ.get(TEST_DATABASE_ENV)
    if base:
        return asyncio.run(create_postgres_database(base))
    return f"sqlite+aiosqlite:///{tmp_dir / f'coach-{uuid.uuid4().hex[:8]}.db'}"


def discard_database_url(url: str) -> None:
    base = os.environ.get(TEST_DATABASE_ENV)
    if base and url.startswith("postgresql"):
        asyncio.run(drop_postgres_database(base, url))


async def wipe(db: Database) -> None:
    """Remove every row so each test starts from an empty (but migrated) schema, ids from 1 again."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]  # children before parents
    async with db.engine.begin() as conn:
        if db.is_sqlite:
            for name in tables:
                await conn.execute(text(f'DELETE FROM "{name}"'))
            return
        sequences = (
            await conn.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"))
        ).scalars()
        # One round trip of DELETEs and sequence restarts: a test's few rows go in about 13 ms, where
        # TRUNCATE ... RESTART IDENTITY (new files for 55 tables and their indexes) took about 200.
        script = "".join(f'DELETE FROM "{name}";' for name in tables) + "".join(
            f'ALTER SEQUENCE "{name}" RESTART;' for name in sequences
        )
        raw = await conn.get_raw_connection()
        await raw.driver_connection.execute(script)


async def count(db: Database, model: type) -> int:
    """How many rows of ``model`` the database holds."""
    async with db.unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def run_in_session(database_url: str, work: Callable[[AsyncSession], Awaitable[object]]) -> None:
    """Run ``work`` in one committed transaction on ``database_url`` from synchronous test code (the
    CLI tests seed the database the command will read)."""

    async def main() -> None:
        db = Database(database_url)
        try:
            async with db.unit_of_work() as session:
                await work(session)
        finally:
            await db.dispose()

    asyncio.run(main())
