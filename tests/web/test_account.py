"""The Account page over real HTTP, and ``/coach_link``: where a coach is signed in, signing out
everywhere else, and linking a Telegram account that then receives sign-in links."""

from __future__ import annotations

import re

from sqlalchemy import select

from conversations.flows import coach_link
from domain.db import Database
from domain.models import ChannelIdentity, OutboundMessage
from tests.support.chat import Chat, registered, running_engine
from tests.support.web import add_coach, browser, served_workspace


async def test_a_coach_signs_out_everywhere_else(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    async with served_workspace(db) as root, browser(root) as laptop, browser(root) as phone:
        status, _, response = await laptop.get("/app/account")
        assert (status, response.headers["Location"]) == (303, "/app/signin")
        await laptop.sign_in(db, ana.id)
        await phone.sign_in(db, ana.id)
        status, body, _ = await laptop.get("/app/account")
        assert status == 200 and body.count("Signed in ") == 2 and "this browser" in body
        status, _, response = await laptop.post("/app/account/sessions/others")
        assert (status, response.headers["Location"]) == (303, "/app/account?ended=1")
        _, body, _ = await laptop.get("/app/account?ended=1")
        assert "Signed out of 1 other session." in body and body.count("Signed in ") == 1
        status, _, _ = await phone.get("/app/clients")
        assert status == 303  # the phone's session has ended
        status, _, _ = await laptop.get("/app/clients")
        assert status == 200


async def test_a_linked_telegram_account_receives_sign_in_links(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    telegram = {"TELEGRAM_BOT_TOKEN": "123:abc"}
    async with served_workspace(db, **telegram) as root, browser(root) as visitor:
        await visitor.sign_in(db, ana.id)
        status, body, _ = await visitor.post("/app/account/telegram")
        found = re.search(r"/coach_link ([A-Z0-9]{8})", body)
        assert status == 200 and found is not None
        code = found.group(1)
        with registered(coach_link.register):
            async with running_engine(db) as engine:
                on_console = Chat(engine, "ana", platform="console")
                assert "nothing to link" in (await on_console.send(f"/coach_link {code}"))[0].text
                on_telegram = Chat(engine, "555", platform="telegram")
                assert "did not work" in (await on_telegram.send("/coach_link WRONG123"))[0].text
                assert "Linked, Ana" in (await on_telegram.send(f"/coach_link {code.lower()}"))[0].text
                assert "did not work" in (await on_telegram.send(f"/coach_link {code}"))[0].text  # used
        _, body, _ = await visitor.get("/app/account")
        assert "linked" in body
        async with browser(root) as later:
            await later.get("/app/signin")
            status, body, _ = await later.post("/app/signin", {"email": "ana@example.com"})
            assert status == 200 and "on its way" in body
    async with db.unit_of_work() as session:
        identity = await session.scalar(select(ChannelIdentity).where(ChannelIdentity.coach_id == ana.id))
        [queued] = (await session.scalars(select(OutboundMessage))).all()
    assert identity is not None and (identity.platform, identity.chat_id) == ("telegram", "chat-555")
    assert (queued.platform, queued.chat_id) == ("telegram", "chat-555")
    assert "/app/signin/" in queued.payload["url_buttons"][0]["url"]
