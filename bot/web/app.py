"""Builds the workspace: a sub-application mounted at ``/app`` on the service's HTTP server.

Its own middlewares (sessions, sign-in, CSRF, headers) apply to its pages only, never to the webhooks
beside it. Page modules are listed in :data:`PAGE_MODULES`; each has a ``routes`` table.
"""

from __future__ import annotations

import secrets
from importlib import import_module
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.config import Settings
from bot.web import i18n
from bot.web.api.app import mount_api
from bot.web.auth.middleware import MIDDLEWARES
from bot.web.keys import INSIGHTS_KEY, SETTINGS_KEY, SummarySource

PREFIX = "/app"
HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
# Every module that serves workspace pages; its ``routes`` (a web.RouteTableDef) are added in order.
PAGE_MODULES = (
    "bot.web.auth.signin",
    "bot.web.pages.clients",
    "bot.web.pages.client",
    "bot.web.pages.account",
    "bot.web.pages.programs",
    "bot.web.pages.settings",
    "bot.web.pages.availability",
    "bot.web.pages.announcements",
    "bot.web.pages.analytics",
    "bot.web.pages.admin",
    "bot.web.pages.guides",
    "bot.web.pages.support",
)


def build_workspace(settings: Settings, insights: SummarySource | None = None) -> web.Application:
    """``insights``: where weekly summaries come from (the service's insights); without it the client
    page leaves the summary out."""
    app = web.Application(middlewares=MIDDLEWARES)
    app[SETTINGS_KEY] = settings
    if insights is not None:
        app[INSIGHTS_KEY] = insights
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every value in a template is HTML-escaped unless marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    i18n.install(env)  # {% trans %} and Babel's formatting in the reader's language
    env.globals["form_key"] = lambda: secrets.token_urlsafe(16)  # one per rendered form: a re-post is a no-op
    app[aiohttp_jinja2.static_root_key] = f"{PREFIX}/static"
    for name in PAGE_MODULES:
        app.router.add_routes(import_module(name).routes)
    app.router.add_static("/static", STATIC_DIR, name="static", append_version=False)
    return app


def mount_workspace(root: web.Application, settings: Settings, insights: SummarySource | None = None) -> None:
    """Mounts the workspace at ``/app`` (and its JSON API at ``/api/v1``) and sends ``/`` there."""
    root.add_subapp(PREFIX, build_workspace(settings, insights))
    mount_api(root)

    async def to_workspace(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"{PREFIX}/")

    root.router.add_get("/", to_workspace)
