"""The web workspace as a component of ``coach run``: it only adds routes to the HTTP server."""

from __future__ import annotations

from aiohttp import web

from bot.components import AppContext, Component
from bot.web.app import mount_workspace


class WebWorkspace(Component):
    name = "web"

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def install_routes(self, app: web.Application) -> None:
        mount_workspace(app, self.ctx.settings, self.ctx.insights)
