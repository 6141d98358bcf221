"""The README's screenshots of the web workspace, taken in Debian's Chromium against a real ``coach run``
on a throwaway SQLite database with a few demo clients::

    .venv/bin/python -m tests.support.screenshots docs/

Writes ``web-clients.png`` (the Clients page) and ``web-client.png`` (one client's page), as 256-colour
PNGs so they stay small in the repository.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from PIL import Image
from playwright.async_api import async_playwright

from domain.clock import utcnow
from domain.crypto import use_keys
from domain.db import Database
from domain.migrate import upgrade
from domain.models.enums import GoalStatus
from domain.programs.templates import template_text
from domain.services import program_versions as versions
from domain.services.checkins import record_check_in
from domain.services.clients import register_client
from domain.services.coach_notes import add_coach_note
from domain.services.coaches import list_programs
from domain.services.demo import seed_demo
from domain.services.enrollments import enroll
from domain.services.goals import set_goal
from domain.services.messages import record_client_message, record_coach_reply
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.durability.worker import Worker, free_port
from tests.support.browser import require_chromium, service_env, sign_in

VIEWPORT = {"width": 1100, "height": 720}
# (name, timezone, days of check-ins, mood trend, days since the last one, in the running program)
CLIENTS = (
    ("Sam Rivera", "Europe/Berlin", 12, 1, 0, True),
    ("Priya Shah", "Asia/Kolkata", 9, 0, 0, True),
    ("Tom Becker", "America/New_York", 4, -1, 4, False),
    ("Lena Park", "Asia/Seoul", 7, 1, 0, True),
)


async def seed(db: Database) -> tuple[int, int]:
    """The demo coach with four clients who checked in, set goals and wrote; returns (coach, first client)."""
    await upgrade(db)
    now = utcnow()
    async with db.unit_of_work() as session:
        coach, _ = await seed_demo(session)
        running = template_text("running-start").replace("price: 49.00", "price: 0")
        program_id = (await versions.import_program(session, running, coach_id=coach.id)).program_id
        await versions.publish(session, program_id, note="First edition")
        paid = next(p for p in await list_programs(session, coach_id=coach.id) if p.price_minor > 0)
        ids = []
        for n, (name, zone, days, trend, idle, runs) in enumerate(CLIENTS):
            client = await register_client(
                session,
                platform="console",
                external_user_id=f"demo-{n}",
                chat_id=f"demo-{n}",
                display_name=name,
                timezone=zone,
                coach_id=coach.id,
            )
            ids.append(client.id)
            for day in range(days):
                mood = max(1, min(10, 6 + trend * day // 3 + (day % 3 == 1)))
                await record_check_in(
                    session,
                    client_id=client.id,
                    mood=mood,
                    energy=max(1, min(10, mood - 1 + day % 2)),
                    sleep_hours=6.5 + (day % 4) * 0.5,
                    adherence=("yes", "yes", "partly", "no")[day % 4 if trend >= 0 else 3 - day % 2],
                    source_channel="console",
                    at=now - timedelta(days=days - day - 1 + idle, hours=1),
                )
            enrollment = await enroll(
                session, client_id=client.id, program_id=program_id if runs else paid.id
            )
            enrollment.created_at = now - timedelta(days=days)
            if enrollment.activated_at is not None:
                enrollment.activated_at = enrollment.created_at
        sam = ids[0]
        await set_goal(
            session, client_id=sam, text="Run 5 km without stopping", metric="distance", target=5, unit="km"
        )
        await record_client_message(
            session, client_id=sam, channel="console", text="Ran 3 km today without a break!"
        )
        await record_coach_reply(
            session,
            client_id=sam,
            coach_id=coach.id,
            channel="console",
            text="Great pace, Sam. Keep it easy on Friday.",
        )
        await record_client_message(
            session, client_id=sam, channel="console", text="Will do. Legs feel fine."
        )
        await set_goal(
            session,
            client_id=sam,
            text="Three easy runs a week for the next month",
            status=GoalStatus.PROPOSED,
            source="suggested",
        )
        await add_coach_note(
            session, client_id=sam, coach_id=coach.id, text="Knee twinged in October; keep long runs flat."
        )
        return coach.id, sam


def shrink(path: Path) -> None:
    """256 colours: a page of flat UI colours loses nothing visible and most of its bytes."""
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


async def take(out_dir: Path, workdir: Path) -> None:
    chromium = require_chromium()
    url = f"sqlite+aiosqlite:///{workdir / 'demo.db'}"
    use_keys([TEST_ENCRYPTION_KEY])
    db = Database(url)
    try:
        coach_id, client_id = await seed(db)
        port = free_port()
        worker = Worker(service_env(url, port, workdir, TEST_ENCRYPTION_KEY), workdir / "logs")
        worker.start()
        try:
            await worker.wait_until_serving(within=90)
            service = f"http://127.0.0.1:{port}"
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=str(chromium), headless=True)
                page = await browser.new_page(viewport=VIEWPORT)
                await sign_in(page, service, db, coach_id)
                for name, path in (
                    ("web-clients.png", "/app/clients"),
                    ("web-client.png", f"/app/clients/{client_id}"),
                ):
                    await page.goto(service + path)
                    for image in await page.locator("img").all():  # lazy images load once in view
                        await image.scroll_into_view_if_needed()
                        await page.wait_for_function(
                            "i => i.complete && i.naturalWidth > 0", arg=await image.element_handle()
                        )
                    # The client's page down to the conversation: the chart, the history and the reply box.
                    await page.screenshot(path=str(out_dir / name), full_page=name == "web-client.png")
                    await asyncio.to_thread(shrink, out_dir / name)
                await browser.close()
        finally:
            await worker.terminate()
    finally:
        await db.dispose()


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "logs").mkdir()
        asyncio.run(take(out_dir, Path(tmp)))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
