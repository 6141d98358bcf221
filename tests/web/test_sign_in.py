"""Signing in to the web workspace over real HTTP: one-time links, sessions, CSRF, cookies, audit."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from sqlalchemy import func, select, update

from domain.clock import utcnow
from domain.db import Database
from domain.models import AuditEvent, LoginCode, WebSession
from domain.services.web_auth import issue_login_code, revoke_sessions
from tests.support.web import add_coach, browser, served_workspace


async def _actions(db: Database) -> list[str]:
    async with db.unit_of_work() as session:
        return list((await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all())


async def _link(db: Database, coach_id: int) -> str:
    async with db.unit_of_work() as session:
        return await issue_login_code(session, coach_id, sent_via="cli")


async def _anonymous_refusals(db: Database, action: str) -> int:
    """How many anonymous refusals of ``action`` were counted (one row per minute)."""
    async with db.unit_of_work() as session:
        counted = await session.scalar(
            select(func.sum(AuditEvent.count)).where(
                AuditEvent.action == "request.rejected", AuditEvent.subject == f"endpoint:{action}"
            )
        )
    return int(counted or 0)


async def test_anonymous_visitors_are_sent_to_sign_in(db: Database) -> None:
    async with served_workspace(db) as root, browser(root) as visitor:
        for path in ("/app/clients", "/app/", "/app/clients?flagged=1"):
            status, _, response = await visitor.get(path)
            assert (status, response.headers["Location"]) == (303, "/app/signin")
        status, body, _ = await visitor.get("/app/signin")
        assert status == 200 and "Send me a sign-in link" in body
        # Opening a page is how every visit starts; a change posted without a session is a refusal.
        status, _, response = await visitor.post("/app/clients/1/notes", {"note": "hello"})
        assert (status, response.headers["Location"]) == (303, "/app/signin")
    assert await _anonymous_refusals(db, "web.signin_required") == 1


async def test_a_link_signs_in_once_and_is_refused_after(db: Database) -> None:
    coach = await add_coach(db, "Ana Coach", "ana@example.com")
    code = await _link(db, coach.id)
    async with served_workspace(db) as root, browser(root) as first, browser(root) as second:
        # Opening the link (a chat preview does this too) does not use it up.
        for _ in range(2):
            status, body, _ = await first.get(f"/app/signin/{code}")
            assert status == 200 and "Continue as Ana Coach" in body
        status, _, response = await first.post(f"/app/signin/{code}")
        assert (status, response.headers["Location"]) == (303, "/app/clients")
        cookie = response.headers["Set-Cookie"]
        assert "coach_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http on loopback
        status, body, _ = await first.get("/app/clients")
        assert status == 200 and "Ana Coach" in body

        await second.get(f"/app/signin/{code}")
        status, body, response = await second.post(f"/app/signin/{code}")
        assert status == 410 and "already used" in body
        assert "coach_session" not in response.headers.get("Set-Cookie", "")
        status, _, _ = await second.get("/app/clients")
        assert status == 303
    actions = await _actions(db)
    assert actions.count("web.signed_in") == 1
    assert "web.sign_in_refused" in actions


async def test_an_expired_or_made_up_link_is_refused(db: Database) -> None:
    coach = await add_coach(db, "Ana", "ana@example.com")
    async with db.unit_of_work() as session:
        code = await issue_login_code(session, coach.id, sent_via="cli", now=utcnow() - timedelta(minutes=16))
    async with served_workspace(db) as root, browser(root) as visitor:
        status, body, _ = await visitor.get(f"/app/signin/{code}")
        assert status == 410 and "expired" in body
        await visitor.get("/app/signin")
        status, body, _ = await visitor.post(f"/app/signin/{code}")
        assert status == 410 and "expired" in body
        status, body, _ = await visitor.post("/app/signin/not-a-real-code")
        assert status == 404 and "not valid" in body
    async with db.unit_of_work() as session:
        assert (await session.scalar(select(LoginCode.used_at))) is None
        refusals = (
            await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action.in_(["web.sign_in_refused", "request.rejected"])  # named / anonymous
                )
            )
        ).all()
    assert {(event.action, event.subject) for event in refusals} == {
        ("web.sign_in_refused", f"coach:{coach.id}"),
        ("request.rejected", "endpoint:web.sign_in_refused"),
    }


async def test_sessions_end_when_idle_too_old_or_revoked(db: Database) -> None:
    coach = await add_coach(db, "Ana", "ana@example.com")
    async with served_workspace(db) as root:
        for ending in ("idle", "absolute", "revoked"):
            async with browser(root) as visitor:
                await visitor.sign_in(db, coach.id)
                async with db.unit_of_work() as session:
                    if ending == "idle":  # 12 hours without a request
                        await session.execute(
                            update(WebSession).values(last_seen_at=utcnow() - timedelta(hours=12, minutes=1))
                        )
                    elif ending == "absolute":  # used a minute ago, but signed in over 7 days ago
                        await session.execute(
                            update(WebSession).values(
                                created_at=utcnow() - timedelta(days=7, minutes=1),
                                expires_at=utcnow() - timedelta(minutes=1),
                                last_seen_at=utcnow() - timedelta(minutes=1),
                            )
                        )
                    else:
                        assert await revoke_sessions(session, coach.id) == 1
                status, _, response = await visitor.get("/app/clients")
                assert (status, response.headers["Location"]) == (303, "/app/signin"), ending
                assert 'coach_session=""' in response.headers.get("Set-Cookie", ""), ending
            async with db.unit_of_work() as session:
                await session.execute(update(WebSession).values(revoked_at=utcnow()))
    async with db.unit_of_work() as session:  # counted per minute: an old cookie cannot flood the log
        refused = await session.scalar(
            select(AuditEvent.count).where(AuditEvent.subject == "endpoint:web.session_refused")
        )
    assert refused == 3


async def test_a_session_in_use_stays_alive(db: Database) -> None:
    coach = await add_coach(db, "Ana", "ana@example.com")
    async with served_workspace(db) as root, browser(root) as visitor:
        await visitor.sign_in(db, coach.id)
        async with db.unit_of_work() as session:  # last used 11 hours ago: still within 12 hours idle
            await session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(hours=11)))
        status, _, _ = await visitor.get("/app/clients")
        assert status == 200
        async with db.unit_of_work() as session:
            seen = await session.scalar(select(WebSession.last_seen_at))
        assert seen is not None and utcnow() - seen < timedelta(hours=1)  # the request renewed it


async def test_sign_out_ends_the_session(db: Database) -> None:
    coach = await add_coach(db, "Ana", "ana@example.com")
    async with served_workspace(db) as root, browser(root) as visitor:
        await visitor.sign_in(db, coach.id)
        status, _, response = await visitor.post("/app/signout")
        assert (status, response.headers["Location"]) == (303, "/app/signin")
        status, _, _ = await visitor.get("/app/clients")
        assert status == 303
    async with db.unit_of_work() as session:
        assert (await session.scalar(select(WebSession.revoked_at))) is not None
    assert "web.signed_out" in await _actions(db)


async def test_forms_without_the_csrf_token_are_refused(db: Database) -> None:
    coach = await add_coach(db, "Ana", "ana@example.com")
    async with served_workspace(db) as root, browser(root) as visitor:
        await visitor.get("/app/signin")
        status, body, _ = await visitor.post("/app/signin", {"email": "ana@example.com"}, csrf=False)
        assert status == 403 and "expired" in body
        await visitor.sign_in(db, coach.id)
        for form in ({}, {"csrf_token": "forged"}):
            status, _, _ = await visitor.post("/app/signout", form, csrf=False)
            assert status == 403
        status, _, _ = await visitor.get("/app/clients")
        assert status == 200  # still signed in: the forged sign-out did nothing
        # The anonymous token of before sign-in is not this session's token.
        async with db.unit_of_work() as session:
            csrf = await session.scalar(select(WebSession.csrf_token))
        assert visitor.csrf == csrf
    async with db.unit_of_work() as session:
        refused = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "web.csrf_refused"))
        ).all()
    assert {event.actor for event in refused} == {f"coach:{coach.id}"}
    async with db.unit_of_work() as session:
        anonymous = await session.scalar(
            select(AuditEvent.count).where(AuditEvent.subject == "endpoint:web.csrf_refused")
        )
    assert anonymous == 1


async def test_cookies_are_secure_behind_an_https_public_url(db: Database) -> None:
    coach = await add_coach(db, "Ana", "ana@example.com")
    code = await _link(db, coach.id)
    # A TLS proxy in front would carry the cookies; here the test sends them itself.
    async with (
        served_workspace(db, COACH_PUBLIC_URL="https://coach.example.com") as root,
        aiohttp.ClientSession() as http,
    ):
        async with http.get(f"{root}/app/signin/{code}", allow_redirects=False) as response:
            csrf_cookie = response.cookies["coach_csrf"]
            assert csrf_cookie["secure"] and csrf_cookie["httponly"]
        async with http.post(
            f"{root}/app/signin/{code}",
            data={"csrf_token": csrf_cookie.value},
            headers={"Cookie": f"coach_csrf={csrf_cookie.value}"},
            allow_redirects=False,
        ) as response:
            assert response.status == 303
            session_cookie = response.cookies["coach_session"]
            assert session_cookie["secure"] and session_cookie["httponly"]
            assert session_cookie["samesite"] == "Lax"


async def test_pages_carry_protective_headers_and_escape_client_text(db: Database) -> None:
    from tests.support.web import add_client

    coach = await add_coach(db, "Ana", "ana@example.com")
    await add_client(db, coach.id, "<script>alert(1)</script>")
    async with served_workspace(db) as root, browser(root) as visitor:
        await visitor.sign_in(db, coach.id)
        status, body, response = await visitor.get("/app/clients")
    assert status == 200
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


async def test_asking_for_a_link_queues_it_where_the_coach_reads(db: Database) -> None:
    from domain.models import OutboundMessage

    await add_coach(db, "Ana", "ana@example.com")
    email_settings = {"COACH_SMTP_HOST": "127.0.0.1", "COACH_SMTP_FROM": "coach@example.com"}
    async with served_workspace(db, **email_settings) as root, browser(root) as visitor:
        await visitor.get("/app/signin")
        status, body, _ = await visitor.post("/app/signin", {"email": "nobody@example.com"})
        assert status == 200 and "on its way" in body  # the same answer: nobody learns who coaches here
        status, body, _ = await visitor.post("/app/signin", {"email": "not an address"})
        assert status == 400 and 'aria-invalid="true"' in body
        status, body, _ = await visitor.post("/app/signin", {"email": "ANA@example.com"})
        assert status == 200 and "on its way" in body
        async with db.unit_of_work() as session:
            [queued] = (await session.scalars(select(OutboundMessage))).all()
        assert (queued.platform, queued.chat_id) == ("email", "ana@example.com")
        [link] = queued.payload["url_buttons"]
        assert link["url"].startswith("http://127.0.0.1:8080/app/signin/")
        code = link["url"].rsplit("/", 1)[1]
        status, body, _ = await visitor.get(f"/app/signin/{code}")
        assert status == 200 and "Continue as Ana" in body
        for _ in range(4):  # five links per 15 minutes at most
            await visitor.post("/app/signin", {"email": "ana@example.com"})
        status, body, _ = await visitor.post("/app/signin", {"email": "ana@example.com"})
        assert status == 429 and "too many" in body.lower()
    # Refused: the unknown address, and the sixth link (the page says the same to both, the log does not).
    assert await _anonymous_refusals(db, "web.sign_in_link_refused") == 2
