"""Support (admins only): the requests clients and coaches sent, each with its messages, a reply form
and Close. The same services as ``coach support`` and ``/coach support``: a client gets the answer in
their chat, a coach in Slack; a closed request refuses replies. Anyone else gets 404 (audited)."""

from __future__ import annotations

import secrets

from aiohttp import web

from bot.http.server import DB_KEY
from bot.web.auth.guards import form_text, path_int, requires_admin, signed_in
from bot.web.i18n import gettext as _
from bot.web.render import redirect, render
from conversations.reasons import explain
from conversations.support import answer_ticket, close_ticket_by_team
from domain.errors import NotFound, ValidationError
from domain.services import support

routes = web.RouteTableDef()

STATUS_CHOICES = ("active", "open", "answered", "closed", "all")
REPLY_MAX_CHARS = 4000


def _ticket_url(request: web.Request, ticket_id: int, **query: str) -> str:
    url = request.app.router["admin_support_ticket"].url_for(ticket_id=str(ticket_id))
    return str(url.with_query(query)) if query else str(url)


@routes.get("/admin/support", name="admin_support")
@requires_admin
async def support_list(request: web.Request) -> web.StreamResponse:
    status = request.query.get("status", "active")
    if status not in STATUS_CHOICES:
        status = "active"
    async with request.config_dict[DB_KEY].sessions() as session:
        tickets = await support.list_tickets(session, statuses=support.parse_status_filter(status))
    return render(
        request,
        "support.html",
        title=_("Support"),
        section="admin_support",
        tickets=tickets,
        requester=explain,  # "coach 1 (Ada)" in the reader's language
        shown=status,
        choices=STATUS_CHOICES,
    )


async def _ticket_page(
    request: web.Request, ticket_id: int, *, error: str = "", status: int = 200, typed: str = ""
) -> web.Response:
    try:
        async with request.config_dict[DB_KEY].sessions() as session:
            ticket = await support.get_ticket(session, ticket_id)
            messages = await support.ticket_messages(session, ticket_id)
            requester = explain(await support.requester_of(session, ticket))
    except NotFound:
        raise web.HTTPNotFound() from None
    notice = {
        "replied": _("Your answer is on its way to the requester."),
        "closed": _("Closed; the requester was told."),
    }
    return render(
        request,
        "support_ticket.html",
        status=status,
        title=_("Support request #%(number)s", number=ticket_id),
        section="admin_support",
        ticket=ticket,
        requester=requester,
        messages=messages,
        error=error,
        notice=notice.get(request.query.get("done", ""), ""),
        typed=typed,
        reply_max=REPLY_MAX_CHARS,
    )


@routes.get("/admin/support/{ticket_id}", name="admin_support_ticket")
@requires_admin
async def ticket_page(request: web.Request) -> web.StreamResponse:
    return await _ticket_page(request, path_int(request, "ticket_id"))


@routes.post("/admin/support/{ticket_id}/reply", name="admin_support_reply")
@requires_admin
async def reply(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    ticket_id = path_int(request, "ticket_id")
    form = await request.post()
    text = form_text(form, "text")
    form_key = form_text(form, "form_key")[:64] or secrets.token_urlsafe(16)
    if not text.strip():
        return await _ticket_page(request, ticket_id, error=_("Please write an answer first."), status=400)
    if len(text) > REPLY_MAX_CHARS:
        return await _ticket_page(
            request,
            ticket_id,
            error=_("Please keep the answer under %(most)s characters.", most=REPLY_MAX_CHARS),
            status=400,
            typed=text,
        )
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            await answer_ticket(
                session,
                ticket_id,
                text,
                admin_id=viewer.coach_id,
                actor=f"coach:{viewer.coach_id}",
                request_key=f"web:{viewer.session_id}:{form_key}",
            )
    except support.TicketClosed:
        return await _ticket_page(
            request,
            ticket_id,
            error=_("This request is closed, so it takes no more replies. The requester can open a new one."),
            status=409,
            typed=text,
        )
    except NotFound:
        raise web.HTTPNotFound() from None
    except ValidationError as exc:
        return await _ticket_page(request, ticket_id, error=explain(exc), status=400, typed=text)
    return redirect(_ticket_url(request, ticket_id, done="replied"))


@routes.post("/admin/support/{ticket_id}/close", name="admin_support_close")
@requires_admin
async def close(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    ticket_id = path_int(request, "ticket_id")
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            await close_ticket_by_team(session, ticket_id, actor=f"coach:{viewer.coach_id}")
    except NotFound:
        raise web.HTTPNotFound() from None
    return redirect(_ticket_url(request, ticket_id, done="closed"))
