"""aiohttp application with ``GET /healthz``; components add their own routes."""

from __future__ import annotations

from aiohttp import web

from domain.db import Database

DB_KEY = web.AppKey("database", Database)


async def healthz(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]
    if await db.ping():
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "database unavailable"}, status=503)


def build_web_app(db: Database) -> web.Application:
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[DB_KEY] = db
    app.router.add_get("/healthz", healthz)
    return app
