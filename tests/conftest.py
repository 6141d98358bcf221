"""Shared fixtures. The suite runs on SQLite, or on PostgreSQL when COACH_TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from domain.crypto import use_keys
from domain.db import Database
from domain.migrate import upgrade
from tests.support.databases import discard_database_url, new_database_url, postgres_requested, wipe

# The whole suite runs with encryption at rest on, so every service shows it is transparent to them.
TEST_ENCRYPTION_KEY = "rCx6q0m1e3Y7Wb2nQZ4sJ8kLpT5vH9aD0fG6uXyNcEo="


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Heavy scenarios marked ``once`` run on the PostgreSQL run only: CI runs the suite on both
    databases, and these prove nothing database-specific twice (a subprocess killed mid-delivery,
    every channel's erasure, signed garbage against every endpoint)."""
    if postgres_requested():
        return
    skip = pytest.mark.skip(
        reason="heavy scenario: runs once, on the PostgreSQL run (COACH_TEST_DATABASE_URL)"
    )
    for item in items:
        if item.get_closest_marker("once") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _encryption_at_rest() -> Iterator[None]:
    use_keys([TEST_ENCRYPTION_KEY])
    yield
    use_keys(None)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database for the whole run; tests get it wiped clean."""
    url = new_database_url(tmp_path_factory.mktemp("db"))

    async def _migrate() -> None:
        db = Database(url)
        try:
            await upgrade(db)
        finally:
            await db.dispose()

    asyncio.run(_migrate())
    yield url
    discard_database_url(url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await wipe(database)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads the developer's .env or real platform credentials."""
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "STRIPE_API_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "COACH_LLM_MODEL",
        "COACH_TRANSCRIBE_MODEL",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "COACH_TWILIO_FROM",
        "COACH_REDIS_URL",
        "COACH_TELEGRAM_WEBHOOK_URL",
        "COACH_SMTP_HOST",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COACH_ENCRYPTION_KEYS", TEST_ENCRYPTION_KEY)  # `coach` commands run in-process
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(autouse=True)
def _delivery_channels_reset() -> Iterator[None]:
    """A test that builds the service's components declares its channels; the next test starts afresh."""
    from conversations.registry import set_delivery_channels

    yield
    set_delivery_channels(None)
