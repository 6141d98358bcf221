"""The Analytics page over real HTTP: a coach sees their own numbers with definitions as tooltips and
footnotes, never another coach's; an admin sees the whole business; client text is HTML-escaped."""

from __future__ import annotations

import re
from datetime import date

from babel import Locale
from sqlalchemy import select, update

from domain.db import Database
from domain.models import AuditEvent, Client, Coach, Goal
from domain.services.coaches import set_coach_locale
from tests.analytics.fixture import build
from tests.support.web import browser, served_workspace

PERIOD = "since=2026-03-02&until=2026-03-15"


async def test_a_coach_sees_their_numbers_with_definitions_and_nothing_else(db: Database) -> None:
    b = await build(db)
    async with db.unit_of_work() as session:
        hostile = Client(coach_id=b.ada, display_name="<script>alert(1)</script>")
        session.add(hostile)
        await session.flush()
        session.add(Goal(client_id=hostile.id, text="<b>win</b>", due_date=date(2099, 1, 1), progress=5))
    async with served_workspace(db) as root, browser(root) as ada:
        await ada.sign_in(db, b.ada)
        status, body, _ = await ada.get(f"/app/analytics?{PERIOD}")
        assert status == 200
        assert 'href="/app/analytics" aria-current="page"' in body
        assert "Ada · 2026-03-02 to 2026-03-15" in body
        assert '<tr data-metric="checkin_adherence">' in body and "62.5 %" in body
        assert 'title="Check-ins done as a share (%) of those expected' in body  # the tooltip
        assert 'id="def-checkin_adherence"' in body  # the footnote
        assert (
            "due on 14 Mar 2026 and at 0 %" in body
        )  # bob's goal forecast, its date as the page writes dates
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert" not in body
        assert "&lt;b&gt;win&lt;/b&gt;" in body
        status, body, _ = await ada.get(f"/app/analytics?{PERIOD}&scope=program:{b.ada_program}")
        assert status == 200 and "Run · 2026-03-02" in body
        for scope in (f"coach:{b.bea}", "business", f"program:{b.bea_program}"):
            status, _, _ = await ada.get(f"/app/analytics?{PERIOD}&scope={scope}")
            assert status == 404
        status, body, _ = await ada.get("/app/analytics?since=March&scope=nonsense")
        assert (
            status == 422 and "A date like 2026-11-01." in body and "Choose one of the listed scopes." in body
        )
    async with db.unit_of_work() as session:
        refused = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "web.analytics_refused"))
        ).all()
    assert len(refused) == 3


async def test_an_admin_sees_the_whole_business_and_any_coach(db: Database) -> None:
    b = await build(db)
    async with db.unit_of_work() as session:
        await session.execute(update(Coach).where(Coach.id == b.bea).values(role="admin"))
    async with served_workspace(db) as root, browser(root) as bea:
        await bea.sign_in(db, b.bea)
        status, body, _ = await bea.get(f"/app/analytics?{PERIOD}")
        assert status == 200 and "Whole business · 2026-03-02 to 2026-03-15" in body
        assert "41 %" in body  # the business's check-in adherence
        status, body, _ = await bea.get(f"/app/analytics?{PERIOD}&scope=coach:{b.ada}")
        assert status == 200 and "Ada · 2026-03-02" in body


async def test_a_spanish_coach_reads_why_each_forecast_reads_as_it_does_in_spanish(db: Database) -> None:
    b = await build(db)
    async with db.unit_of_work() as session:
        await set_coach_locale(session, b.ada, "es")
    async with served_workspace(db) as root, browser(root) as ada:
        await ada.sign_in(db, b.ada)
        status, body, _ = await ada.get(f"/app/analytics?{PERIOD}")
    assert status == 200
    # bob's goal, due 14 March at 0 %: the date the Spanish way, and his long silence as churn reason.
    assert "vencía el 14 mar 2026 y va al 0 %" in body
    assert "due on 2026-03-14" not in body
    assert 'title="sin check-in desde hace ' in body and "no check-in for" not in body


async def test_a_russian_coach_reads_a_long_silence_with_the_russian_form_of_its_count(db: Database) -> None:
    b = await build(db)
    async with db.unit_of_work() as session:
        await set_coach_locale(session, b.ada, "ru")
    async with served_workspace(db) as root, browser(root) as ada:
        await ada.sign_in(db, b.ada)
        status, body, _ = await ada.get(f"/app/analytics?{PERIOD}")
    assert status == 200
    # bob's long silence as churn reason: "1 день", "3 дня", "5 дней", as CLDR's Russian rules say.
    found = re.search(r'title="нет отметок уже (\d+) (день|дня|дней)', body)
    assert found is not None and "no check-in for" not in body
    forms = {"one": "день", "few": "дня", "many": "дней"}
    assert found[2] == forms[Locale("ru").plural_form(int(found[1]))]
