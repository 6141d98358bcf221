"""The admins' Support pages over real HTTP: the list, a request with its messages (client text
escaped), answering (the client gets it in their chat, once for a re-posted form), closing, a closed
request refusing replies, bad input, and 404 for coaches who are not admins."""

from __future__ import annotations

import re

from sqlalchemy import select

from domain.db import Database
from domain.models import Coach, OutboundMessage
from domain.services import support
from domain.services.support import Requester
from tests.support.web import add_client, add_coach, browser, served_workspace


async def test_admins_answer_and_close_requests(db: Database) -> None:
    admin = await add_coach(db, "Ida", "ida@example.com", role="admin")
    coach = await add_coach(db, "Ana", "ana@example.com")
    client = await add_client(db, coach.id, "Sam", console_user="sam")
    async with db.unit_of_work() as s:
        await support.open_ticket(s, Requester(client_id=client.id), "Help <script>alert(1)</script> please")
    async with served_workspace(db) as root, browser(root) as ida, browser(root) as ana:
        await ana.sign_in(db, coach.id)
        for path in ("/app/admin/support", "/app/admin/support/1"):
            status, _, _ = await ana.get(path)
            assert status == 404
        status, _, _ = await ana.post("/app/admin/support/1/reply", {"text": "not mine"})
        assert status == 404

        await ida.sign_in(db, admin.id)
        status, body, _ = await ida.get("/app/admin/support")
        assert status == 200 and "#1" in body and "client 1 (Sam)" in body and "<script>alert" not in body
        assert 'href="/app/admin/support"' in body  # in the admins' menu
        status, body, _ = await ida.get("/app/admin/support/1")
        assert status == 200 and "&lt;script&gt;" in body and "<script>alert" not in body
        form_key = re.search(r'name="form_key" value="([^"]+)"', body)
        assert form_key is not None

        status, body, _ = await ida.post("/app/admin/support/1/reply", {"text": "   "})
        assert status == 400 and "Please write an answer first." in body
        status, body, _ = await ida.post("/app/admin/support/1/reply", {"text": "x" * 4001})
        assert status == 400 and "under 4000 characters" in body
        answer = {"text": "Fixed, sorry!", "form_key": form_key.group(1)}
        status, _, response = await ida.post("/app/admin/support/1/reply", answer)
        assert (status, response.headers["Location"]) == (303, "/app/admin/support/1?done=replied")
        status, _, _ = await ida.post("/app/admin/support/1/reply", answer)  # the same form again
        assert status == 303
        status, _, response = await ida.post("/app/admin/support/1/close")
        assert (status, response.headers["Location"]) == (303, "/app/admin/support/1?done=closed")
        status, body, _ = await ida.post("/app/admin/support/1/reply", {"text": "One more thing"})
        assert status == 409 and "This request is closed" in body and "One more thing" in body
        status, _, _ = await ida.get("/app/admin/support/99")
        assert status == 404
        status, body, _ = await ida.get("/app/admin/support?status=closed")
        assert status == 200 and "#1" in body
    async with db.sessions() as s:
        texts = [
            r.payload.get("text", "")
            for r in (await s.scalars(select(OutboundMessage))).all()
            if r.chat_id == "sam"
        ]
    assert sum("Fixed, sorry!" in t for t in texts) == 1
    assert any("closed your support request #1" in t for t in texts)


async def test_a_german_admin_reads_requesters_and_refusals_in_german(db: Database) -> None:
    admin = await add_coach(db, "Ida", "ida@example.com", role="admin")
    coach = await add_coach(db, "Ana", "ana@example.com")
    client = await add_client(db, coach.id, "Sam", console_user="sam")
    async with db.unit_of_work() as s:
        await support.open_ticket(s, Requester(client_id=client.id), "Help please")
        await support.open_ticket(s, Requester(coach_id=coach.id), "The export does nothing")
        row = await s.get(Coach, admin.id)
        assert row is not None
        row.locale = "de"
    async with served_workspace(db) as root, browser(root) as ida:
        await ida.sign_in(db, admin.id)
        status, body, _ = await ida.get("/app/admin/support")
        assert status == 200 and f"Klient {client.id} (Sam)" in body and f"Coach {coach.id} (Ana)" in body
        assert "client 1 (Sam)" not in body
        status, body, _ = await ida.get("/app/admin/support/1")
        assert status == 200 and f"Klient {client.id} (Sam)" in body
        # A message of nothing but an unprintable character is empty once cleaned.
        status, body, _ = await ida.post("/app/admin/support/1/reply", {"text": "\x07"})
        assert status == 400 and "eine Support-Nachricht braucht einen Text" in body
        assert "needs some text" not in body


async def test_an_old_request_still_names_its_requester(db: Database) -> None:
    """The request's page names who asked however many newer requests there are (the list shows the
    newest 200)."""
    admin = await add_coach(db, "Ida", "ida@example.com", role="admin")
    coach = await add_coach(db, "Ana", "ana@example.com")
    client = await add_client(db, coach.id, "Sam", console_user="sam")
    async with db.unit_of_work() as s:
        await support.open_ticket(s, Requester(client_id=client.id), "The first request")
        for number in range(200):
            await support.open_ticket(s, Requester(coach_id=coach.id), f"Newer request {number}")
    async with served_workspace(db) as root, browser(root) as ida:
        await ida.sign_in(db, admin.id)
        status, body, _ = await ida.get("/app/admin/support/1")
        assert status == 200 and f"client {client.id} (Sam)" in body
