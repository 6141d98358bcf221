"""A real headless Chromium (Debian's ``chromium`` package, driven by Playwright for Python) and a real
``coach run`` for it to browse. Playwright never downloads a browser here: it launches the system one.

Browser tests run on the PostgreSQL run only (CI runs the suite twice; once is enough for a few
seconds of browser per test). Chromium missing is a skip on a developer's machine and a failure in CI
(``CI=true``), where ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import Page

from domain.db import Database
from domain.services.web_auth import issue_login_code

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = "apt-get update && apt-get install -y chromium"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_chromium() -> Path:
    """The Chromium executable; skips the test without it (fails instead under ``CI=true``)."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = f"browser tests need Debian's Chromium at {CHROMIUM} ({INSTALL_HINT})"
    if in_ci():
        pytest.fail(f"{reason}; .ci/run installs it, so in CI it must be there", pytrace=False)
    pytest.skip(reason)


def service_env(
    database_url: str, port: int, workdir: Path, encryption_key: str, **extra: str
) -> dict[str, str]:
    """``coach run`` on ``database_url`` and ``port``: no chat platform configured, so the console is
    its channel (replies to console clients wait for ``coach chat``), nothing read from a ``.env``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COACH_", "TELEGRAM_", "SLACK_", "STRIPE_", "OPENAI_", "SENTRY_"))
    }
    env.update(
        COACH_DATABASE_URL=database_url,
        COACH_HTTP_HOST="127.0.0.1",
        COACH_HTTP_PORT=str(port),
        COACH_STORAGE_DIR=str(workdir / "files"),
        COACH_ENCRYPTION_KEYS=encryption_key,
        COACH_LOG_LEVEL="WARNING",
        COACH_STOP_GRACE_SECONDS="5",
        **extra,
    )
    return env


async def sign_in(page: Page, service_url: str, db: Database, coach_id: int) -> None:
    """Signs ``page`` in as the coach through a fresh one-time link, as the coach clicking it would."""
    async with db.unit_of_work() as session:
        code = await issue_login_code(session, coach_id, sent_via="cli")
    await page.goto(f"{service_url}/app/signin/{code}")
    await page.get_by_role("button", name="Continue as").click()
    await page.wait_for_url(f"{service_url}/app/clients")
