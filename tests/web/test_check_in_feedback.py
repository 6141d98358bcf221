"""Coach feedback on a check-in from the client page: a reaction or a comment per check-in row (CSRF
forms), sent to the client's chat quoting the check-in, once, whatever is clicked twice."""

from __future__ import annotations

import re

from sqlalchemy import select

from domain.db import Database
from domain.models import CheckIn, CoachFeedback, OutboundMessage
from domain.services.checkins import record_check_in
from tests.support.web import Browser, add_client, add_coach, browser, served_workspace


async def _setup(db: Database) -> tuple[int, int, int, CheckIn, CheckIn]:
    """Ana with client Sam (console, one check-in); Bo with client Lu (one check-in)."""
    ana = await add_coach(db, "Ana", "ana@example.com")
    bo = await add_coach(db, "Bo", "bo@example.com")
    sam = (await add_client(db, ana.id, "Sam", console_user="sam")).id
    lu = (await add_client(db, bo.id, "Lu", console_user="lu")).id
    async with db.unit_of_work() as session:
        mine = await record_check_in(
            session,
            client_id=sam,
            mood=8,
            energy=7,
            sleep_hours=6.5,
            adherence="yes",
            source_channel="console",
        )
        theirs = await record_check_in(
            session, client_id=lu, mood=4, energy=4, sleep_hours=5, adherence="no", source_channel="console"
        )
    return ana.id, bo.id, sam, mine, theirs


async def _comment_form(visitor: Browser, client_id: int, check_in_id: int) -> dict[str, str]:
    _, body, _ = await visitor.get(f"/app/clients/{client_id}")
    row = body.split(f'id="check-in-{check_in_id}"', 1)[1]
    key = re.search(r'name="form_key" value="([^"]+)"', row)
    assert key is not None
    return {"form_key": key.group(1)}


async def sent_to(db: Database, chat_id: str) -> list[str]:
    async with db.sessions() as session:
        rows = await session.scalars(
            select(OutboundMessage).where(OutboundMessage.chat_id == chat_id).order_by(OutboundMessage.id)
        )
        return [str(r.payload["text"]) for r in rows]


async def test_reactions_and_comments_reach_the_client_once(db: Database) -> None:
    ana, _bo, sam, mine, _theirs = await _setup(db)
    url = f"/app/clients/{sam}/check-ins/{mine.id}/feedback"
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana)
        status, body, _ = await coach.get(f"/app/clients/{sam}")
        assert status == 200 and url in body and 'value="clap"' in body and "Your feedback" in body
        for _ in range(2):  # a double click
            status, _, response = await coach.post(url, {"reaction": "clap"})
            assert (status, response.headers["Location"]) == (303, f"/app/clients/{sam}#check-in-{mine.id}")
        [reacted] = await sent_to(db, "sam")
        assert reacted.startswith("👏 Ana reacted to your check-in of ")
        assert reacted.endswith("(mood 8/10, energy 7/10, sleep 6.5 h).")

        form = await _comment_form(coach, sam, mine.id) | {"comment": "Lovely <b>week</b>"}
        for _ in range(2):
            status, _, _ = await coach.post(url, form)
            assert status == 303
        texts = await sent_to(db, "sam")
        assert len(texts) == 2 and texts[1].endswith(":\nLovely <b>week</b>")
        status, body, _ = await coach.get(f"/app/clients/{sam}")
        assert "💬 Lovely &lt;b&gt;week&lt;/b&gt;" in body and "<b>week</b>" not in body

        # Bad input: an empty or too long comment, an unknown reaction. Nothing more is sent.
        status, body, _ = await coach.post(url, await _comment_form(coach, sam, mine.id) | {"comment": "  "})
        assert status == 400 and "Write a comment first." in body
        long = "x" * 1001
        status, body, _ = await coach.post(url, await _comment_form(coach, sam, mine.id) | {"comment": long})
        assert status == 400 and "at most 1000 characters" in body
        status, body, _ = await coach.post(url, {"reaction": "thumbsdown"})
        assert status == 400 and "Unknown reaction" in body
        assert len(await sent_to(db, "sam")) == 2
    async with db.sessions() as session:
        rows = (await session.scalars(select(CoachFeedback).order_by(CoachFeedback.id))).all()
    assert [(r.kind, r.reaction, r.comment, r.source) for r in rows] == [
        ("reaction", "clap", None, "web"),
        ("comment", None, "Lovely <b>week</b>", "web"),
    ]


async def test_another_coachs_check_in_is_not_found(db: Database) -> None:
    ana, _bo, sam, mine, theirs = await _setup(db)
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana)
        # Bo's client's check-in, through Ana's own client's path or Bo's client's path: 404 both.
        status, _, _ = await coach.post(
            f"/app/clients/{sam}/check-ins/{theirs.id}/feedback", {"reaction": "clap"}
        )
        assert status == 404
        status, _, _ = await coach.post(
            f"/app/clients/{theirs.client_id}/check-ins/{theirs.id}/feedback", {"reaction": "clap"}
        )
        assert status == 404
        status, _, _ = await coach.post(f"/app/clients/{sam}/check-ins/99999/feedback", {"reaction": "clap"})
        assert status == 404
        status, _, _ = await coach.post(f"/app/clients/{sam}/check-ins/abc/feedback", {"reaction": "clap"})
        assert status == 404
    assert await sent_to(db, "lu") == [] and await sent_to(db, "sam") == []
    del mine
