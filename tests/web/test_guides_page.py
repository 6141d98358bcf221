"""The Guides pages over real HTTP: the list with New marks per coach, a guide rendered with its raw
HTML escaped, an unknown guide a 404, and signed-out visitors sent to sign in."""

from __future__ import annotations

from domain.db import Database
from domain.services import guides
from tests.support.web import add_coach, browser, served_workspace

GUIDE = "# Handling refunds\n\nUse **care**. <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>\n"


async def test_guides_list_and_page(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    async with db.unit_of_work() as s:
        await guides.publish_guide(s, guides.parse_guide_file(GUIDE, file_name="refunds.md"), actor="cli")
    async with served_workspace(db) as root, browser(root) as visitor:
        status, _, response = await visitor.get("/app/guides")
        assert (status, response.headers["Location"]) == (303, "/app/signin")
        await visitor.sign_in(db, ana.id)
        status, body, _ = await visitor.get("/app/guides")
        assert status == 200 and "Handling refunds" in body and "1 new to you" in body and ">New<" in body
        assert 'href="/app/guides"' in body  # in the main menu
        status, body, _ = await visitor.get("/app/guides/refunds")
        assert status == 200 and "<strong>care</strong>" in body and body.count("<h1") == 1
        assert "<script>alert" not in body and "&lt;script&gt;" in body and "<img" not in body
        assert 'href="javascript' not in body
        _, body, _ = await visitor.get("/app/guides")
        assert ">New<" not in body
        status, _, _ = await visitor.get("/app/guides/nothing")
        assert status == 404
        status, _, _ = await visitor.get("/app/guides/" + "a" * 300)
        assert status == 404
