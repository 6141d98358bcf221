"""The Announcements page over real HTTP: write, preview, send (once), bad input under its field,
another coach's announcement out of reach, an admin sending for a coach, and the delivery report."""

from __future__ import annotations

from sqlalchemy import select, update

from conversations.announcement_wording import announcement_payload
from domain.clock import utcnow
from domain.db import Database
from domain.models import Announcement, Coach, OutboundMessage
from domain.services import announcements as ann
from tests.support.web import add_client, add_coach, browser, served_workspace


async def expand_and_deliver(db: Database) -> None:
    async with db.unit_of_work() as session:
        while await ann.expand_next_chunk(session, now=utcnow(), wording=announcement_payload):
            pass
        await session.execute(update(OutboundMessage).values(status="sent"))
        await ann.finish_delivered(session, now=utcnow())


async def test_write_preview_send_and_read_the_report(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    ben = await add_coach(db, "Ben", "ben@example.com")
    await add_client(db, ana.id, "Cleo", console_user="cleo")
    await add_client(db, ana.id, "Dan", console_user="dan")
    await add_client(db, ben.id, "Eve", console_user="eve")
    async with served_workspace(db) as root, browser(root) as coach, browser(root) as other:
        await coach.sign_in(db, ana.id)
        status, body, _ = await coach.get("/app/announcements")
        assert status == 200 and "New announcement" in body and 'href="/app/announcements"' in body

        bad = {
            "text": ("   ", "the announcement is empty"),
            "segment": ("vip", "unknown segment"),
            "program_id": ("77", "no program with id 77"),
            "send_at": ("2020-01-01 09:00", "in the past"),
        }
        for field, (value, words) in bad.items():
            form = {"text": "Hello", "segment": "all", "program_id": "", "send_at": "", field: value}
            status, body, _ = await coach.post("/app/announcements", form)
            assert status == 422 and words in body and f'id="{field}-error"' in body, field
        status, body, _ = await coach.post(
            "/app/announcements", {"text": "x" * (ann.ANNOUNCEMENT_TEXT_MAX + 1)}
        )
        assert status == 422 and "Telegram message" in body

        status, _, response = await coach.post(
            "/app/announcements",
            {"text": "Closed <b>Friday</b>", "segment": "all", "program_id": "", "send_at": ""},
        )
        assert status == 303
        preview = response.headers["Location"]
        status, body, _ = await coach.get(preview)
        assert status == 200 and "Announcement preview" in body and "2 clients" in body
        assert "Closed &lt;b&gt;Friday&lt;/b&gt;" in body  # autoescaped

        await other.sign_in(db, ben.id)
        assert (await other.get(preview))[0] == 404
        assert (await other.post(preview + "/send"))[0] == 404

        for _ in range(2):  # sent twice: scheduled once
            status, _, response = await coach.post(preview + "/send")
            assert status == 303 and response.headers["Location"].endswith("?sent=1")
        await expand_and_deliver(db)
        async with db.unit_of_work() as session:
            sent = (
                await session.scalars(
                    select(OutboundMessage.chat_id).where(OutboundMessage.platform == "console")
                )
            ).all()
        assert sorted(sent) == ["cleo", "dan"]
        status, body, _ = await coach.get(preview)
        assert "Delivery" in body and "<td>2</td>" in body
        status, body, _ = await coach.get("/app/announcements")
        assert "2 sent, 0 failed, 0 opted out, 0 blocked" in body
        status, body, _ = await other.get("/app/announcements")
        assert status == 200 and "Closed" not in body and "No announcements yet" in body


async def test_an_admin_sends_for_a_coach(db: Database) -> None:
    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    ana = await add_coach(db, "Ana", "ana@example.com")
    await add_client(db, ana.id, "Cleo", console_user="cleo")
    async with served_workspace(db) as root, browser(root) as admin:
        await admin.sign_in(db, boss.id)
        status, body, _ = await admin.get("/app/announcements")
        assert "From coach" in body and "Ana" in body
        status, _, response = await admin.post(
            "/app/announcements",
            {
                "coach_id": str(ana.id),
                "text": "From the team",
                "segment": "all",
                "program_id": "",
                "send_at": "",
            },
        )
        assert status == 303
        assert (await admin.post(response.headers["Location"] + "/send"))[0] == 303
    async with db.unit_of_work() as session:
        made = await session.scalar(select(Announcement))
    assert made is not None and made.coach_id == ana.id and made.created_by == f"coach:{boss.id}"


async def test_a_german_coach_reads_the_refusals_in_german(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    async with db.unit_of_work() as session:
        row = await session.get(Coach, ana.id)
        assert row is not None
        row.locale = "de"
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana.id)
        bad = {
            "text": ("   ", "die Ankündigung ist leer: es fehlt der Text, den die Klienten lesen sollen"),
            "segment": ("vip", "unbekannte Gruppe &#39;vip&#39;"),
            "program_id": ("77", f"Coach {ana.id} hat kein Programm mit der ID 77"),
            "send_at": ("bald", "die Zeit wie 2026-12-07 09:00 schreiben oder das Feld leer lassen"),
        }
        for field, (value, words) in bad.items():
            form = {"text": "Hallo", "segment": "all", "program_id": "", "send_at": "", field: value}
            status, body, _ = await coach.post("/app/announcements", form)
            assert status == 422 and words in body and f'id="{field}-error"' in body, field
            assert "the announcement is empty" not in body and "unknown segment" not in body
