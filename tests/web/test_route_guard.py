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
