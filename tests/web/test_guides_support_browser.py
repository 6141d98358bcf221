"""In Chromium against a real ``coach run``: the public policy page the chat links to, a coach reading a
guide (New until read), and an admin answering a support request from the Support page."""

from __future__ import annotations

import os

from playwright.async_api import BrowserContext, expect

from domain.db import Database
from domain.services import guides, policies, support
from domain.services.support import Requester
from tests.support.browser import sign_in
from tests.support.web import add_client, add_coach
from tests.web.conftest import StartService

GUIDE = "# Your first week\n\n## Day one\n\nSay hello to **every** client. <b>Not bold</b>\n"


async def test_policy_page_guides_and_support_in_the_browser(
    db: Database, start_service: StartService, browser_context: BrowserContext
) -> None:
    ana = await add_coach(db, "Ana Coach", "ana@example.com")
    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    sam = await add_client(db, ana.id, "Sam", console_user="sam")
    async with db.unit_of_work() as session:
        summary, body = policies.parse_policy_file(
            "---\nsummary: Shorter retention.\n---\n# Privacy\n\nWe keep little.\n"
        )
        await policies.publish_policy(session, version=1, body=body, summary=summary, actor="cli")
        await guides.publish_guide(
            session, guides.parse_guide_file(GUIDE, file_name="first-week.md"), actor="cli"
        )
        await support.open_ticket(session, Requester(client_id=sam.id), "My reminders stopped")
    service = await start_service()
    page = await browser_context.new_page()

    await page.goto(service.url + "/policy")  # redirects to the newest version
    await expect(page.get_by_role("heading", name="Privacy")).to_be_visible()
    await expect(page.get_by_text("What changed: Shorter retention.")).to_be_visible()

    await sign_in(page, service.url, db, ana.id)
    await page.get_by_role("link", name="Guides").click()
    await expect(page.get_by_text("New", exact=True)).to_be_visible()
    await page.get_by_role("link", name="Your first week").click()
    await expect(page.get_by_role("heading", name="Day one")).to_be_visible()
    await expect(page.get_by_text("<b>Not bold</b>")).to_be_visible()  # shown as text, not markup
    if shots := os.environ.get("COACH_SCREENSHOTS_DIR"):
        await page.screenshot(path=f"{shots}/guide.png", full_page=True)
    await page.get_by_role("link", name="All guides").click()
    await expect(page.get_by_text("New", exact=True)).to_have_count(0)
    await expect(page.get_by_role("link", name="Support")).to_have_count(0)  # admins only

    admin_page = (
        await browser_context.browser.new_page() if browser_context.browser else page
    )  # fresh cookies
    await sign_in(admin_page, service.url, db, boss.id)
    await admin_page.get_by_role("link", name="Support").click()
    await admin_page.get_by_role("link", name="#1").click()
    await admin_page.get_by_label("Your answer").fill("Fixed: your quiet hours hid the reminder.")
    await admin_page.get_by_role("button", name="Send answer").click()
    await expect(admin_page.get_by_text("Your answer is on its way to the requester.")).to_be_visible()
    if shots:
        await admin_page.screenshot(path=f"{shots}/support.png", full_page=True)
    await admin_page.get_by_role("button", name="Close request").click()
    await expect(admin_page.get_by_text("Closed; the requester was told.")).to_be_visible()
    async with db.sessions() as session:
        ticket = await support.get_ticket(session, 1)
        assert ticket.status == "closed"
