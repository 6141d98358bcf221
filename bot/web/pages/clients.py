"""The Clients page: the coach's clients (an admin's: everyone's) with search and filters."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import web

from bot.http.server import DB_KEY
from bot.web.auth.guards import signed_in
from bot.web.i18n import N_
from bot.web.i18n import gettext as _
from bot.web.render import render
from domain.clock import utcnow
from domain.services.client_roster import (
    ROSTER_LIMIT,
    SEARCH_MAX_CHARS,
    RosterFilter,
    compose_roster,
    load_roster,
)
from domain.services.notices import recent_notices

routes = web.RouteTableDef()

FILTER_LABELS = (
    (RosterFilter.FLAGGED, N_("Flagged")),
    (RosterFilter.MISSED, N_("Missed check-ins")),
    (RosterFilter.UNPAID, N_("Unpaid")),
)

# What the coach was told in the last days: without Slack this is where they read it.
NOTICES_SHOWN = 10
NOTICE_DAYS = 7
NOTICE_LABELS = {
    "new_client": N_("New client"),
    "low_mood": N_("Low mood"),
    "missed_checkins": N_("Missed check-ins"),
    "payment_failed": N_("Payment failed"),
    "payment_received": N_("Payment received"),
    "payment_for_cancelled": N_("Payment for a cancelled enrollment"),
    "paused_unpaid": N_("Paused: unpaid"),
    "subscription_ended": N_("Subscription ended"),
    "program_completed": N_("Program completed"),
    "delivery_failed": N_("A message could not be delivered"),
    "goal_approval": N_("Goal idea to review"),
    "coaches_full": N_("Every coach is at capacity"),
    "payments_not_configured": N_("Payments are not set up"),
    "client_erased": N_("Client erased"),
}


def notice_label(kind: str) -> str:
    label = NOTICE_LABELS.get(kind)
    return _(label) if label else kind.replace("_", " ").capitalize()


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
        notices = await recent_notices(
            session,
            viewer.coach_id,
            since=now - timedelta(days=NOTICE_DAYS),
            limit=NOTICES_SHOWN,
            is_admin=viewer.is_admin,
        )
    # Trends and note sentiment for a whole roster: CPU work, off the event loop.
    rows = await asyncio.to_thread(compose_roster, data, now=now, only=chosen)
    return render(
        request,
        "clients.html",
        title=_("Clients"),
        section="clients",
        rows=rows,
        search=search,
        filters=[(f.value, _(label), f in chosen) for f, label in FILTER_LABELS],
        filtered=bool(search or chosen),
        truncated=data.truncated,
        roster_limit=ROSTER_LIMIT,
        show_coach=viewer.is_admin,
        notices=[(n, notice_label(n.kind)) for n in notices],
    )
