"""Every route of the workspace, present and future, turns anonymous visitors away unless it is one
of the sign-in pages: a new page cannot forget its guard."""

from __future__ import annotations

import re

from aiohttp import web

from bot.config import load_settings
from bot.web.app import build_workspace
from bot.web.auth.guards import PUBLIC_MARK
from domain.db import Database
from tests.support.web import browser, served_workspace

PUBLIC_ROUTES = {"/signin", "/signin/{code}"}


def workspace_routes() -> list[tuple[str, str, bool]]:
    """(method, path with placeholders as 1, public?) of every route but the static files."""
    app = build_workspace(load_settings())
    found = []
    for route in app.router.routes():
        if isinstance(route.resource, web.StaticResource) or route.method == "HEAD":
            continue
        assert route.resource is not None
        path = route.resource.canonical
        found.append(
            (route.method, re.sub(r"\{[^}]+\}", "1", path), bool(getattr(route.handler, PUBLIC_MARK, False)))
        )
        if getattr(route.handler, PUBLIC_MARK, False):
            assert path in PUBLIC_ROUTES, f"{path} is public; only the sign-in pages may be"
    return found


async def test_anonymous_visitors_get_only_the_sign_in_pages(db: Database) -> None:
    routes = workspace_routes()
    assert len(routes) > 10  # the clients, client, account, programs, settings and admin pages at least
    async with served_workspace(db) as root, browser(root) as visitor:
        await visitor.get("/app/signin")  # a CSRF cookie, so posts are judged on sign-in, not on CSRF
        for method, path, public in routes:
            if public:
                continue
            url = "/app" + path
            if method == "GET":
                status, _, response = await visitor.get(url)
            else:
                status, _, response = await visitor.post(url, {})
            assert (status, response.headers.get("Location")) == (303, "/app/signin"), (method, url)


async def test_every_form_post_needs_the_csrf_token(db: Database) -> None:
    """Signed in (as an admin, who may post anywhere), a post without this session's token changes
    nothing on any route: 403. Signed out, the sign-in forms want the visitor's token too."""
    from sqlalchemy import func, select

    from domain.models import AuditEvent
    from tests.support.web import add_coach

    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    posts = [(path, public) for method, path, public in workspace_routes() if method == "POST"]
    assert len(posts) > 10
    async with served_workspace(db) as root, browser(root) as admin, browser(root) as visitor:
        await visitor.get("/app/signin")
        await admin.sign_in(db, boss.id)
        for path, public in posts:
            for form in ({}, {"csrf_token": "forged"}):
                who = visitor if public else admin
                status, _, _ = await who.post("/app" + path, form, csrf=False)
                assert status == 403, (path, form)
    async with db.unit_of_work() as session:
        named = await session.scalar(
            select(func.count()).where(
                AuditEvent.action == "web.csrf_refused", AuditEvent.actor == f"coach:{boss.id}"
            )
        )
    assert named == 2 * sum(1 for _, public in posts if not public)
