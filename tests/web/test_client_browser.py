"""In a real Chromium against a real ``coach run``: a coach signs in with a one-time link, finds a client
who onboarded through ``coach chat``, replies (the console client receives it), sees the client's
answer arrive without a reload, adds a private note, approves an AI goal idea and signs out; another
coach cannot see that client; a form posted without its CSRF token is refused."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import select

from domain.db import Database
from domain.models import Client, CoachNote, Goal
from domain.models.enums import GoalStatus
from domain.services import coaches
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.support.browser import service_env, sign_in
from tests.support.web import add_coach
from tests.web.conftest import StartService

COACH = str(Path(sys.executable).parent / "coach")
# What the client types in `coach chat` (button labels typed as text), onto the Starter program.
ONBOARDING = [
    "/start",
    "Accept",
    "Sam",
    "Berlin",
    "3",
    "Fitness",
    "time",
    "run 5 km by 2027-03-01",
    "Daily",
    "8am",
    "Starter (free)",
]
# How long a background step (goal ideas after onboarding) may take on a loaded machine.
WAIT_S = 60


async def coach_chat(env: dict[str, str], user: str, lines: list[str]) -> str:
    """``coach chat --user USER`` with ``lines`` piped in; what it printed."""
    process = await asyncio.create_subprocess_exec(
        COACH,
        "chat",
        "--user",
        user,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(
        process.communicate("".join(f"{line}\n" for line in lines).encode()), 120
    )
    assert process.returncode == 0, err.decode()
    return out.decode()


async def wait_for_ideas(db: Database) -> list[Goal]:
    for _ in range(WAIT_S * 4):
        async with db.unit_of_work() as session:
            ideas = list(
                (await session.scalars(select(Goal).where(Goal.status == GoalStatus.PROPOSED))).all()
            )
        if ideas:
            return ideas
        await asyncio.sleep(0.25)
    raise AssertionError("no goal ideas reached the coach")


async def post_without_csrf(page: Page, form_selector: str) -> None:
    """Submits the form as a forged page would: without this session's token."""
    await page.eval_on_selector(form_selector, "f => f.querySelector('input[name=csrf_token]').remove()")
    await page.eval_on_selector(form_selector, "f => f.submit()")


async def test_a_coach_runs_a_client_from_the_browser(
    db: Database,
    database_url: str,
    tmp_path: Path,
    start_service: StartService,
    browser_context: BrowserContext,
) -> None:
    ana = await add_coach(db, "Ana Coach", "ana@example.com")
    bo = await add_coach(db, "Bo Coach", "bo@example.com")
    async with db.unit_of_work() as session:
        program = await coaches.create_program(
            session, coach_id=ana.id, name="Starter", price_minor=0, currency="usd", goals_need_approval=True
        )
        await coaches.publish_program(session, program.id)
    env = service_env(database_url, 0, tmp_path, TEST_ENCRYPTION_KEY) | {"PATH": os.environ.get("PATH", "")}
    onboarding = await coach_chat(env, "sam", ONBOARDING)
    assert "You're all set, Sam!" in onboarding
    ideas = await wait_for_ideas(db)
    async with db.unit_of_work() as session:
        sam = (await session.scalars(select(Client))).one()

    service = await start_service()
    page = await browser_context.new_page()
    await sign_in(page, service.url, db, ana.id)  # opens the one-time link, presses "Continue as …"
    await expect(page.get_by_role("heading", name="Clients")).to_be_visible()

    await page.get_by_label("Search by name or email").fill("sa")
    await page.get_by_role("button", name="Apply").click()
    await page.get_by_role("link", name="Sam", exact=True).click()
    await expect(page.get_by_role("heading", name="Sam", exact=True)).to_be_visible()

    await page.get_by_label("Reply to Sam").fill("Welcome aboard! See you Thursday.")
    await page.get_by_role("button", name="Send reply").click()
    await expect(page.locator("#thread")).to_contain_text("Welcome aboard! See you Thursday.")
    received = await coach_chat(env, "sam", ["Thanks, Thursday works!"])
    assert "Ana Coach: Welcome aboard! See you Thursday." in received
    # The client's answer appears on the open page without a reload (short polling).
    await expect(page.locator("#thread")).to_contain_text("Thanks, Thursday works!", timeout=30_000)

    await page.get_by_label("New note").fill("Prefers early sessions; knee <surgery> in May")
    await page.get_by_role("button", name="Add note").click()
    await expect(page.locator("#notes")).to_contain_text("Prefers early sessions; knee <surgery> in May")

    first_idea = page.locator(".goal-idea").first
    idea_text = (await first_idea.locator("strong").inner_text()).strip()
    assert idea_text in {goal.text for goal in ideas}
    await first_idea.get_by_role("button", name="Approve").click()
    await expect(page.locator(".goal-ideas")).not_to_contain_text(idea_text)
    offered = await coach_chat(env, "sam", [])
    assert f"Your coach suggests a goal for you: '{idea_text}'" in offered

    await post_without_csrf(page, "#notes form")
    await expect(page.get_by_role("heading", name="This form has expired")).to_be_visible()
    async with db.unit_of_work() as session:
        notes = (await session.scalars(select(CoachNote))).all()
        statuses = {goal.text: goal.status for goal in (await session.scalars(select(Goal))).all()}
    assert len(notes) == 1 and statuses[idea_text] == GoalStatus.SUGGESTED  # texts are encrypted at rest

    await page.goto(f"{service.url}/app/clients")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.goto(f"{service.url}/app/clients/{sam.id}")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    other = await browser_context.browser.new_context()  # type: ignore[union-attr]
    try:
        bo_page = await other.new_page()
        await sign_in(bo_page, service.url, db, bo.id)
        await expect(bo_page.get_by_text("No clients yet")).to_be_visible()
        await bo_page.goto(f"{service.url}/app/clients/{sam.id}")
        await expect(bo_page.get_by_role("heading", name="Not found")).to_be_visible()
        await expect(bo_page.get_by_text("Sam")).to_have_count(0)
    finally:
        await other.close()
