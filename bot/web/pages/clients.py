"""The Clients page: the coach's clients (an admin's: everyone's)."""

from __future__ import annotations

from aiohttp import web

from bot.http.server import DB_KEY
from bot.web.auth.guards import signed_in
from bot.web.render import render
from domain.services.clients import list_clients

routes = web.RouteTableDef()


@routes.get("/clients", name="clients")
async def clients_page(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        rows = await list_clients(session, coach_id=None if viewer.is_admin else viewer.coach_id)
    return render(request, "clients.html", title="Clients", section="clients", rows=rows)
