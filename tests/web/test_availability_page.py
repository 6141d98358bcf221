"""The Availability page over real HTTP: the example before any hours, a bad line shown with its line
number and nothing saved, hours saved (CSRF), free slots and booked sessions (client names escaped),
and the private feed address shown once, then revoked."""

from __future__ import annotations

import html

from domain.clock import utcnow
from domain.db import Database
from domain.services.booking import get_availability, hold_slot, offer_slots
from domain.services.calendars import coach_for_feed
from domain.services.coaches import set_coach_locale
from tests.support.web import add_client, add_coach, browser, served_workspace

HOURS = 'notice_hours: 1\nweekly:\n  monday: ["09:00-12:00"]\n  friday: ["10:00-12:00"]\n'


async def test_set_hours_see_sessions_and_manage_the_feed(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    async with served_workspace(db) as root, browser(root) as visitor:
        await visitor.sign_in(db, ana.id)
        status, body, _ = await visitor.get("/app/availability")
        assert status == 200 and "no bookable hours yet" in body and "session_minutes: 50" in body
        assert 'href="/app/availability"' in body  # in the menu

        status, body, _ = await visitor.post(
            "/app/availability", {"hours": HOURS.replace("10:00-12:00", "10-12")}
        )
        assert (
            status == 422
            and "Nothing was saved: line 4: hours are written like 09:00-12:30" in html.unescape(body)
        )
        assert "10-12" in body  # what was typed stays in the form
        async with db.sessions() as session:
            assert await get_availability(session, ana.id) is None

        status, _, response = await visitor.post("/app/availability", {"hours": HOURS}, csrf=False)
        assert status == 403
        status, _, response = await visitor.post("/app/availability", {"hours": HOURS})
        assert (status, response.headers["Location"]) == (303, "/app/availability?saved=1")

        client = await add_client(db, ana.id, "<b>Bo</b>", console_user="bo")
        async with db.unit_of_work() as session:
            _, slots = await offer_slots(session, ana.id, now=utcnow(), limit=1)
            await hold_slot(
                session,
                coach_id=ana.id,
                client_id=client.id,
                start=slots[0],
                minutes=50,
                buffer_minutes=10,
                video_url="https://meet.jit.si/CoachSession-xyz",
            )
        status, body, _ = await visitor.get("/app/availability?saved=1")
        assert "Hours saved" in body and "&lt;b&gt;Bo&lt;/b&gt;" in body and "<b>Bo</b>" not in body
        assert "https://meet.jit.si/CoachSession-xyz" in body and "friday" in body

        status, body, _ = await visitor.post("/app/availability/feed")
        assert status == 200 and "Copy it now" in body
        url = body.split('id="feed-url">', 1)[1].split("<", 1)[0]
        assert url.startswith("http://") and "/calendar/" in url and url.endswith(".ics")  # COACH_PUBLIC_URL
        token = url.rsplit("/", 1)[1].removesuffix(".ics")
        async with db.sessions() as session:
            assert await coach_for_feed(session, token) == ana.id
        status, _, response = await visitor.post("/app/availability/feed/revoke")
        assert (status, response.headers["Location"]) == (303, "/app/availability?revoked=1")
        async with db.sessions() as session:
            assert await coach_for_feed(session, token) is None


async def test_a_german_coach_reads_the_problem_with_their_hours_in_german(db: Database) -> None:
    jonas = await add_coach(db, "Jonas", "jonas@example.com")
    async with db.unit_of_work() as session:
        await set_coach_locale(session, jonas.id, "de")
    async with served_workspace(db) as root, browser(root) as visitor:
        await visitor.sign_in(db, jonas.id)
        status, body, _ = await visitor.post(
            "/app/availability", {"hours": HOURS.replace("10:00-12:00", "10-12")}
        )
        text = html.unescape(body)
        assert status == 422
        assert "Nichts wurde gespeichert: Zeile 4: Zeiten schreibt man wie 09:00-12:30, nicht '10-12'" in text
        assert "hours are written" not in text
        status, body, _ = await visitor.post(
            "/app/availability", {"hours": "weekly:\n  monday: ['09:00-09:30']\n"}
        )
        assert status == 422 and (
            "Zeile 2: monday: kein Zeitfenster ist lang genug für eine Sitzung von 50 Minuten"
            in html.unescape(body)
        )
        async with db.sessions() as session:
            assert await get_availability(session, jonas.id) is None
