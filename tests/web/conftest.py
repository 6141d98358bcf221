"""Fixtures for the web workspace's browser tests: a real ``coach run`` subprocess serving the test
database on a free port, and a headless Chromium (Debian's, through Playwright) to browse it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

from domain.db import Database
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.durability.worker import Worker, free_port
from tests.support.browser import require_chromium, service_env
from tests.support.databases import postgres_requested

# Browser steps wait at most this long (a loaded 2-core machine is slow, never wrong).
BROWSER_TIMEOUT_MS = 20_000


@dataclass(frozen=True, slots=True)
class RunningService:
    """A ``coach run`` that answers on ``url``; ``logs()`` is what it wrote so far."""

    url: str
    worker: Worker

    def logs(self) -> str:
        return self.worker.logs()


StartService = Callable[..., Awaitable[RunningService]]


@pytest.fixture
async def start_service(db: Database, database_url: str, tmp_path: Path) -> AsyncIterator[StartService]:
    """Starts ``coach run`` on the (wiped) test database: ``await start_service(**extra_env)``. Stopped
    with SIGTERM after the test, which fails if the service logged a traceback."""
    workers: list[Worker] = []

    async def start(**extra_env: str) -> RunningService:
        port = free_port()
        logs = tmp_path / f"coach-run-{len(workers)}"
        logs.mkdir()
        worker = Worker(service_env(database_url, port, tmp_path, TEST_ENCRYPTION_KEY, **extra_env), logs)
        workers.append(worker)
        worker.start()
        await worker.wait_until_serving(within=90)
        return RunningService(f"http://127.0.0.1:{port}", worker)

    yield start
    for worker in workers:
        if worker.proc is not None and worker.proc.poll() is None:
            await worker.terminate()
    for worker in workers:
        assert "Traceback" not in worker.logs(), worker.logs()[-4000:]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium from /usr/bin/chromium; only on the PostgreSQL run (see tests/support/browser)."""
    if not postgres_requested():
        pytest.skip("browser tests run on the PostgreSQL run only (COACH_TEST_DATABASE_URL)")
    executable = require_chromium()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(executable), headless=True)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def browser_context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh profile (no cookies) with a laptop-sized window."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        yield context
    finally:
        await context.close()
