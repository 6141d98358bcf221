"""The workspace in the coach's own language, over real HTTP: a German or Russian coach reads every
page in it (menus, headings, plural forms, Babel's numbers), an English coach's pages stay English,
client-written text stays as written and escaped, and a signed-out visitor gets the browser's language."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
from sqlalchemy import update

from domain.clock import utcnow
from domain.db import Database
from domain.models import Client
from domain.services.checkins import record_check_in
from domain.services.coaches import set_coach_locale
from tests.support.web import add_client, add_coach, browser, served_workspace


async def _coach(db: Database, name: str, email: str, locale: str) -> int:
    coach = await add_coach(db, name, email)
    async with db.unit_of_work() as session:
        await set_coach_locale(session, coach.id, locale)
    return coach.id


async def test_a_german_coach_reads_the_workspace_in_german(db: Database) -> None:
    coach_id = await _coach(db, "Jonas", "jonas@example.com", "de")
    kim = await add_client(db, coach_id, "<script>alert(1)</script> Kim")
    lea = await add_client(db, coach_id, "Lea")
    # Lea joined a month ago and checked in once, two weeks ago: a missed check-ins flag.
    now = utcnow()
    async with db.unit_of_work() as session:
        await session.execute(update(Client).values(created_at=now - timedelta(days=30)))
        await record_check_in(
            session,
            client_id=lea.id,
            mood=6,
            energy=6,
            sleep_hours=7.5,
            adherence="yes",
            source_channel="console",
            at=now - timedelta(days=14),
        )
    async with served_workspace(db) as root, browser(root) as web:
        await web.sign_in(db, coach_id)
        status, body, _ = await web.get("/app/clients")
        assert status == 200
        assert '<html lang="de">' in body
        for german in ("<h1>Klienten</h1>", ">Einstellungen<", ">Auswertungen<", ">Abmelden<", "2 Klienten"):
            assert german in body, german
        assert "Sign out" not in body and "Last check-in" not in body
        # A risk flag's reason is worded in German too (the digest's words).
        assert "erwarteten Check-ins verpasst" in body and "expected check-ins" not in body
        # A client's name is theirs, as written, and never markup.
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Kim" in body and "<script>alert" not in body

        status, body, _ = await web.get("/app/clients?q=Lea")
        assert status == 200 and "1 Klient passt" in body

        status, body, _ = await web.get("/app/settings")
        assert status == 200
        assert "<h1>Einstellungen</h1>" in body and "Einstellungen speichern" in body
        assert "Eine ganze Zahl von 1 bis 10.000" in body  # the capacity's limit, by Babel for de
        status, body, _ = await web.post(
            "/app/settings",
            {
                "name": "",
                "digest_time": "soon",
                "digest_cadence": "daily",
                "timezone": "UTC",
                "capacity": "x",
                "locale": "de",
            },
        )
        assert status == 422
        assert "Nichts wurde gespeichert: 3 Felder unten sind zu korrigieren." in body
        assert "Gib deinen Namen ein, höchstens 200 Zeichen." in body

        status, body, _ = await web.get("/app/analytics?since=2026-03-02&until=2026-03-15")
        assert status == 200
        assert "<h1>Auswertungen</h1>" in body and "Aktive Klienten" in body
        assert "Jonas · 2026-03-02 bis 2026-03-15" in body
        assert "Klienten, die im Zeitraum beigetreten sind." in body  # a metric's definition
        status, body, _ = await web.get("/app/analytics?since=2026-03-15&until=2026-03-02")
        assert status == 422 and "Der erste Tag liegt nach dem letzten." in body

        status, body, _ = await web.get("/app/no-such-page")
        assert status == 404 and "<h1>Nicht gefunden</h1>" in body

        # The client page: headings, labels and Babel's dates in German, the client's words as written.
        status, body, _ = await web.get(f"/app/clients/{kim.id}")
        assert status == 200 and '<html lang="de">' in body
        for german in ("Profil", "Kanäle", "Klient seit", "Diese Woche", "Unterhaltung", "Private Notizen"):
            assert german in body, german
        assert "Noch keine Check-ins." in body and "Antwort senden" in body
        assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt; Kim</h1>" in body and "<script>alert" not in body
        assert "Antwort an &lt;script&gt;alert(1)&lt;/script&gt; Kim" in body
        status, body, _ = await web.post(f"/app/clients/{kim.id}/notes", {"note": "  "})
        assert status == 400 and "Schreib zuerst etwas in die Notiz." in body
        status, body, _ = await web.post(f"/app/clients/{kim.id}/notes", {"note": "Knie <b>OP</b> im Mai"})
        assert status == 303
        status, body, _ = await web.get(f"/app/clients/{kim.id}")
        assert "Knie &lt;b&gt;OP&lt;/b&gt; im Mai" in body and "<b>OP</b>" not in body


async def test_a_russian_coach_gets_russian_plural_forms(db: Database) -> None:
    coach_id = await _coach(db, "Ольга", "olga@example.com", "ru")
    clients = [await add_client(db, coach_id, name) for name in ("Аня", "Борис", "Вера", "Глеб", "Дина")]
    async with served_workspace(db) as root, browser(root) as web:
        await web.sign_in(db, coach_id)
        status, body, _ = await web.get("/app/clients")
        assert status == 200 and '<html lang="ru">' in body
        assert "<h1>Клиенты</h1>" in body and "5 клиентов" in body and ">Выйти<" in body
        status, body, _ = await web.get("/app/settings")
        assert status == 200 and "<h1>Настройки</h1>" in body and "Сохранить настройки" in body
        status, body, _ = await web.get("/app/analytics")
        assert status == 200 and "<h1>Аналитика</h1>" in body and "Активные клиенты" in body
        status, body, _ = await web.get(f"/app/clients/{clients[0].id}")
        assert status == 200 and "<h1>Аня</h1>" in body and "Переписка" in body and "Личные заметки" in body
        for path, heading in (
            ("/app/programs", "<h1>Программы</h1>"),
            ("/app/announcements", "<h1>Объявления</h1>"),
            ("/app/availability", "<h1>Доступность</h1>"),
            ("/app/guides", "<h1>Руководства</h1>"),
            ("/app/account", "<h1>Учётная запись</h1>"),
        ):
            status, body, _ = await web.get(path)
            assert status == 200 and heading in body, path


async def test_a_german_admin_reads_the_admin_pages_in_german(db: Database) -> None:
    admin = await add_coach(db, "Greta", "greta@example.com", role="admin")
    async with db.unit_of_work() as session:
        await set_coach_locale(session, admin.id, "de")
    async with served_workspace(db) as root, browser(root) as web:
        await web.sign_in(db, admin.id)
        for path, german in (
            ("/app/admin", "Klienten neu zuordnen"),
            ("/app/admin/audit", "Audit-Protokoll"),
            ("/app/admin/support", "Support-Anfragen"),
            ("/app/analytics", "Gesamtes Geschäft"),
        ):
            status, body, _ = await web.get(path)
            assert status == 200 and german in body, path


async def test_concurrent_coaches_each_read_their_own_language(db: Database) -> None:
    """One template environment serves every request: each keeps its own language."""
    german = await _coach(db, "Jonas", "jonas@example.com", "de")
    english = await _coach(db, "Ana", "ana@example.com", "en")
    async with served_workspace(db) as root, browser(root) as de, browser(root) as en:
        await de.sign_in(db, german)
        await en.sign_in(db, english)
        pages = await asyncio.gather(*[(de if i % 2 else en).get("/app/settings") for i in range(20)])
        for i, (status, body, _) in enumerate(pages):
            assert status == 200
            if i % 2:
                assert "<h1>Einstellungen</h1>" in body and "Sign out" not in body
            else:
                assert "<h1>Settings</h1>" in body and '<html lang="en">' in body and "Abmelden" not in body


async def test_signed_out_pages_follow_the_browsers_language(db: Database) -> None:
    async with served_workspace(db) as root, aiohttp.ClientSession() as http:

        async def sign_in_page(language: str | None) -> str:
            headers = {"Accept-Language": language} if language is not None else {}
            async with http.get(f"{root}/app/signin", headers=headers) as response:
                assert response.status == 200
                return await response.text()

        assert "<h1>Anmelden</h1>" in await sign_in_page("de-DE,de;q=0.9,en;q=0.8")
        assert "<h1>Iniciar sesión</h1>" in await sign_in_page("fr-FR,es;q=0.8")
        assert "<h1>Вход</h1>" in await sign_in_page("ru")
        body = await sign_in_page("fr")
        assert "<h1>Sign in</h1>" in body and '<html lang="en">' in body
        assert "<h1>Sign in</h1>" in await sign_in_page(None)
        async with http.get(f"{root}/app/signin/not-a-code", headers={"Accept-Language": "es"}) as response:
            body = await response.text()
        assert response.status == 404 and "Este enlace de acceso no es válido." in body
