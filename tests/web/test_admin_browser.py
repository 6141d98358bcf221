"""In a real Chromium against a real ``coach run``: a coach edits a program, sees the one problem by
its line, fixes it and publishes; an admin reassigns a client and downloads the audit log as CSV."""

from __future__ import annotations

import csv
import io

from playwright.async_api import BrowserContext, expect

from domain.db import Database
from domain.models import Client
from domain.services import program_versions as versions
from tests.programs.example import program_file
from tests.support.browser import sign_in
from tests.support.web import add_client, add_coach
from tests.web.conftest import StartService

GOOD = program_file("## Day 1: Start\nWelcome.\n", "## Day 2: Next\nKeep going.\n")


async def test_a_coach_fixes_the_problem_the_editor_shows_by_line_and_publishes(
    db: Database, start_service: StartService, browser_context: BrowserContext
) -> None:
    ana = await add_coach(db, "Ana Coach", "ana@example.com")
    async with db.unit_of_work() as session:
        program_id = (await versions.import_program(session, GOOD, coach_id=ana.id)).program_id
    service = await start_service()
    page = await browser_context.new_page()
    await sign_in(page, service.url, db, ana.id)

    await page.get_by_role("link", name="Programs").click()
    await page.get_by_role("link", name="Test").click()
    editor = page.get_by_label("Markdown with YAML front matter")
    broken = GOOD.replace("## Day 2: Next", "## Day 2 Next")  # the colon is missing
    line = broken.splitlines().index("## Day 2 Next") + 1
    await editor.fill(broken)
    await page.get_by_role("button", name="Save draft").click()
    problem = page.get_by_role("link", name=f"Line {line}")
    await expect(problem).to_be_visible()
    await expect(page.get_by_role("heading", name="1 problem; nothing was saved")).to_be_visible()
    await problem.click()  # the script selects that line in the editor
    selected = await editor.evaluate("e => e.value.slice(e.selectionStart, e.selectionEnd)")
    assert selected == "## Day 2 Next"

    await editor.fill(broken.replace("## Day 2 Next", "## Day 2: Next"))
    await page.get_by_role("button", name="Save draft").click()
    await expect(page.get_by_text("Draft saved.")).to_be_visible()
    await page.get_by_label("What changed").fill("First edition")
    await page.get_by_role("button", name="Publish").click()
    await expect(page.get_by_text("Published. New enrollments follow this version.")).to_be_visible()
    async with db.unit_of_work() as session:
        version = await versions.get_version(session, program_id)
        assert (version.number, version.status, version.publish_note) == (1, "published", "First edition")


async def test_an_admin_reassigns_a_client_and_downloads_the_audit_log(
    db: Database, start_service: StartService, browser_context: BrowserContext
) -> None:
    ana = await add_coach(db, "Ana Coach", "ana@example.com")
    ben = await add_coach(db, "Ben Coach", "ben@example.com")
    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    sam = await add_client(db, ana.id, "Sam")
    service = await start_service()
    page = await browser_context.new_page()
    await sign_in(page, service.url, db, boss.id)

    await page.get_by_role("link", name="Admin").click()
    await page.get_by_label("Client: name, email or number").fill("sam")
    await page.get_by_label("Move to coach").select_option(label="Ben Coach (0/∞)")
    await page.get_by_role("button", name="Reassign").click()
    await expect(page.get_by_text("Sam now belongs to Ben Coach.")).to_be_visible()

    await page.get_by_role("link", name="Audit log").click()
    await page.get_by_label("Action").fill("client.*")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_role("cell", name=f"client:{sam.id}")).to_be_visible()
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download these events as CSV").click()
    download = await download_info.value
    assert download.suggested_filename.startswith("audit-") and download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO((await download.path()).read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["at", "actor", "action"]
    assert [(r[1], r[2], r[3]) for r in rows[1:]] == [
        (f"coach:{boss.id}", "client.reassigned", f"client:{sam.id}")
    ]
    async with db.unit_of_work() as session:
        moved = await session.get(Client, sam.id)
        assert moved is not None and moved.coach_id == ben.id
