"""The browser harness itself: Debian's Chromium loads a page from a real ``coach run``."""

from __future__ import annotations

from playwright.async_api import BrowserContext

from tests.web.conftest import StartService


async def test_chromium_reads_the_health_check_of_a_real_coach_run(
    start_service: StartService, browser_context: BrowserContext
) -> None:
    service = await start_service()
    page = await browser_context.new_page()
    response = await page.goto(f"{service.url}/healthz")
    assert response is not None and response.status == 200
    assert '"status": "ok"' in await page.inner_text("body")
