"""Builds the JSON API, a sub-application mounted at ``/api/v1`` with its own middleware (bearer token or
session, JSON errors); the workspace's pages and their CSRF form checks never apply to it."""

from __future__ import annotations

from aiohttp import web

from bot.web.api.auth import api_middleware
from bot.web.api.routes import routes

API_PREFIX = "/api/v1"


def build_api() -> web.Application:
    app = web.Application(middlewares=[api_middleware])
    app.router.add_routes(routes)
    return app


def mount_api(root: web.Application) -> None:
    root.add_subapp(API_PREFIX, build_api())
