"""The web workspace served for real on loopback, and a small cookie-keeping HTTP client for it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from bot.config import load_settings
from bot.http.server import build_web_app
from bot.web.app import mount_workspace
from domain.db import Database
from domain.models import Client, Coach
from domain.services.clients import register_client
from domain.services.coaches import create_coach
from domain.services.web_auth import issue_login_code
from tests.support.servers import serve_locally

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


@asynccontextmanager
async def served_workspace(db: Database, **settings: Any) -> AsyncIterator[str]:
    """The service's HTTP app with the workspace mounted, on a free port; yields the root URL."""
    from integrations.llm.insights import InsightsService

    config = load_settings(COACH_DATABASE_URL=db.url, **settings)
    app = build_web_app(db)
    mount_workspace(app, config, InsightsService.from_settings(config, db))
    runner, url = await serve_locally(app)
    try:
        yield url
    finally:
        await runner.cleanup()


class Browser:
    """Keeps cookies like a browser (also for 127.0.0.1) and does not follow redirects by itself."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str) -> tuple[int, str, aiohttp.ClientResponse]:
        async with self.http.get(self.root + path, allow_redirects=False) as response:
            body = await response.text()
        if match := CSRF_FIELD.search(body):
            self.csrf = match.group(1)
        return response.status, body, response

    async def post(
        self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True
    ) -> tuple[int, str, aiohttp.ClientResponse]:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        async with self.http.post(self.root + path, data=form, allow_redirects=False) as response:
            body = await response.text()
        if match := CSRF_FIELD.search(body):
            self.csrf = match.group(1)
        return response.status, body, response

    async def sign_in(self, db: Database, coach_id: int) -> None:
        """Through a fresh one-time link, as a coach clicking it would."""
        async with db.unit_of_work() as session:
            code = await issue_login_code(session, coach_id, sent_via="cli")
        status, _, _ = await self.get(f"/app/signin/{code}")
        assert status == 200
        status, _, response = await self.post(f"/app/signin/{code}")
        assert status == 303 and response.headers["Location"] == "/app/clients"
        await self.get("/app/clients")  # picks up the session's CSRF token


@asynccontextmanager
async def browser(root: str) -> AsyncIterator[Browser]:
    client = Browser(root)
    try:
        yield client
    finally:
        await client.close()


async def add_coach(db: Database, name: str, email: str, *, role: str = "coach") -> Coach:
    async with db.unit_of_work() as session:
        return await create_coach(session, name=name, email=email, role=role)


async def add_client(db: Database, coach_id: int, name: str, *, console_user: str | None = None) -> Client:
    """A client of ``coach_id``; with ``console_user``, reachable as ``console:<console_user>``."""
    async with db.unit_of_work() as session:
        if console_user is not None:
            return await register_client(
                session,
                platform="console",
                external_user_id=console_user,
                chat_id=console_user,
                display_name=name,
                coach_id=coach_id,
            )
        client = Client(coach_id=coach_id, display_name=name)
        session.add(client)
        await session.flush()
        return client
