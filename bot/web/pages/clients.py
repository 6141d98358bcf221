"""The Clients page: the coach's clients (an admin's: everyone's) with search and filters."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.http.server import DB_KEY
from bot.web.auth.guards import signed_in
from bot.web.render import render
from domain.clock import utcnow
from domain.services.client_roster import SEARCH_MAX_CHARS, RosterFilter, compose_roster, load_roster

routes = web.RouteTableDef()

FILTER_LABELS = (
    (RosterFilter.FLAGGED, "Flagged"),
    (RosterFilter.MISSED, "Missed check-ins"),
    (RosterFilter.UNPAID, "Unpaid"),
)


@routes.get("/clients", name="clients")
async def clients_page(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    search = request.query.get("q", "")[:SEARCH_MAX_CHARS]
    chosen = {f for f in RosterFilter if request.query.get(f.value) in {"1", "on"}}
    now = utcnow()
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        data = await load_roster(
            session, coach_id=None if viewer.is_admin else viewer.coach_id, search=search, now=now
        )
    # Trends and note sentiment for a whole roster: CPU work, off the event loop.
    rows = await asyncio.to_thread(compose_roster, data, now=now, only=chosen)
    return render(
        request,
        "clients.html",
        title="Clients",
        section="clients",
        rows=rows,
        search=search,
        filters=[(f.value, label, f in chosen) for f, label in FILTER_LABELS],
        filtered=bool(search or chosen),
        truncated=data.truncated,
        show_coach=viewer.is_admin,
    )
