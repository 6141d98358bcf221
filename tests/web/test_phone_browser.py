"""On a phone-sized screen in real Chromium, the workspace's pages fit the width (wide tables scroll in
their own box, the page does not), and the keyboard reaches the content first through the skip link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.async_api import Browser, expect

from domain.db import Database
from domain.services.checkins import record_check_in
from tests.programs.conftest import enroll_client
from tests.support.browser import sign_in
from tests.support.web import served_workspace
from tests.web.conftest import BROWSER_TIMEOUT_MS

PHONE = {"width": 390, "height": 844}


async def test_pages_fit_a_phone_and_the_keyboard_skips_to_the_content(
    browser: Browser, db: Database
) -> None:
    enrolled = await enroll_client(db, started=datetime.now(UTC) - timedelta(days=3))
    async with db.unit_of_work() as session:
        for day in range(3):
            await record_check_in(
                session,
                client_id=enrolled.client_id,
                mood=6,
                energy=5,
                sleep_hours=7.5,
                adherence="partly",
                note="A long note without spaces " + "x" * 120,
                source_channel="console",
                at=datetime.now(UTC) - timedelta(days=day),
            )
    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        async with served_workspace(db) as root:
            page = await context.new_page()
            await sign_in(page, root, db, enrolled.coach_id)
            for path in (
                "/app/clients",
                f"/app/clients/{enrolled.client_id}",
                "/app/programs",
                f"/app/programs/{enrolled.program_id}",
                "/app/settings",
                "/app/announcements",
            ):
                await page.goto(root + path)
                overflow = await page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 1, (path, overflow)
            await page.goto(root + "/app/clients")
            await page.keyboard.press("Tab")
            skip = page.get_by_role("link", name="Skip to content")
            await expect(skip).to_be_focused()
            await page.keyboard.press("Enter")
            await expect(page.locator("main#main")).to_be_focused()
    finally:
        await context.close()
