"""aiohttp application with ``GET /healthz``; components add their own routes."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.http.unsubscribe import install_unsubscribe
from domain.db import Database

DB_KEY = web.AppKey("database", Database)


# A health check answers within this long even when the database does not answer at all.
HEALTH_TIMEOUT_S = 3.0


async def healthz(request: web.Request) -> web.Response:
    """200 while the database answers, 503 while it does not (and 200 again once it does)."""
    db = request.app[DB_KEY]
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_S):
            reachable = await db.ping()
    except TimeoutError:
        reachable = False
    if reachable:
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "database unavailable"}, status=503)


def build_web_app(db: Database) -> web.Application:
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[DB_KEY] = db
    app.router.add_get("/healthz", healthz)
    # Client emails' unsubscribe links work whenever the server runs (also after SMTP is turned off).
    install_unsubscribe(app, db)
    return app
