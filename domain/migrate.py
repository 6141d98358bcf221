"""Apply and check Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.db import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def expected_heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def upgrade(db: Database) -> None:
    """Bring the schema to every head. Runs Alembic on a connection of the async engine."""
    config = alembic_config(db.url)

    def _upgrade(sync_conn: object) -> None:
        config.attributes["connection"] = sync_conn
        command.upgrade(config, "heads")

    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade)


async def current_heads(conn: AsyncConnection) -> set[str]:
    def _heads(sync_conn: object) -> set[str]:
        return set(MigrationContext.configure(sync_conn).get_current_heads())  # type: ignore[arg-type]

    return await conn.run_sync(_heads)


async def is_up_to_date(db: Database) -> bool:
    async with db.engine.connect() as conn:
        return await current_heads(conn) == expected_heads()
