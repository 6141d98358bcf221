"""Signing in with a one-time link, asking for one, and signing out.

Opening a link only shows "Continue as …"; the code is used up by the button (a POST). Link previews
(Slack unfurls, mail scanners) open links with GET, so they never burn a coach's link.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.conversation_setup import delivery_channels
from bot.http.server import DB_KEY
from bot.web.auth.audit import audit, audit_refusal
from bot.web.auth.cookies import clear_session_cookie, set_session_cookie
from bot.web.auth.guards import form_text, public, signed_in
from bot.web.i18n import N_
from bot.web.i18n import gettext as _
from bot.web.keys import SETTINGS_KEY, VIEWER_KEY
from bot.web.render import redirect, render
from domain import rules
from domain.errors import ValidationError
from domain.services.sign_in_delivery import LINK_MINUTES, queue_sign_in_link
from domain.services.web_auth import (
    TooManyLinks,
    check_login_code,
    coach_actor,
    end_session,
    redeem_login_code,
    start_session,
)

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

HOME_ROUTE = "clients"
REFUSED_LINK = {
    "used": N_("This sign-in link was already used. Links work once; ask for a new one below."),
    "expired": N_(
        "This sign-in link has expired (links work for %(minutes)s minutes). Ask for a new one below."
    ),
    "unknown": N_(
        "This sign-in link is not valid. Check that you copied all of it, or ask for a new one below."
    ),
}


def refused_link(status: str) -> str:
    return _(REFUSED_LINK[status], minutes=LINK_MINUTES)


def home_url(request: web.Request) -> str:
    return str(request.app.router[HOME_ROUTE].url_for())


def _code(request: web.Request) -> str:
    return request.match_info.get("code", "")[:200]


@routes.get("/", name="home")
async def home(request: web.Request) -> web.StreamResponse:
    return redirect(home_url(request))


@routes.get("/signin", name="sign_in")
@public
async def sign_in_page(request: web.Request) -> web.StreamResponse:
    if VIEWER_KEY in request:
        return redirect(home_url(request))
    return render(request, "signin.html", title=_("Sign in"), email="", notice="", error="")


@routes.post("/signin")
@public
async def ask_for_link(request: web.Request) -> web.StreamResponse:
    """Queues a link for the coach with this email. The answer is the same whether or not such a coach
    exists, so the form does not reveal who coaches here."""
    email = form_text(await request.post(), "email").strip()
    try:
        email = rules.check_email(email)
    except ValidationError:
        return render(
            request,
            "signin.html",
            status=400,
            title=_("Sign in"),
            email=email,
            notice="",
            error=_("Enter the email address you coach with, like ana@example.com."),
        )
    settings = request.config_dict[SETTINGS_KEY]
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            channel = await queue_sign_in_link(
                session, email=email, base_url=settings.web_base_url, channels=delivery_channels(settings)
            )
    except TooManyLinks:
        await audit_refusal(request, "web.sign_in_link_refused", reason="too many links")
        return render(
            request,
            "signin.html",
            status=429,
            title=_("Sign in"),
            email=email,
            notice="",
            error=_(
                "Too many sign-in links were asked for; try again in %(minutes)s minutes.",
                minutes=LINK_MINUTES,
            ),
        )
    if channel is None:
        await audit_refusal(request, "web.sign_in_link_refused", reason="unknown email or no channel")
    notice = _(
        "If that address belongs to a coach here, a sign-in link is on its way — by Slack, Telegram or "
        "email. It works once, for %(minutes)s minutes.",
        minutes=LINK_MINUTES,
    )
    return render(request, "signin.html", title=_("Sign in"), email="", notice=notice, error="")


@routes.get("/signin/{code}", name="sign_in_link")
@public
async def open_link(request: web.Request) -> web.StreamResponse:
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        check = await check_login_code(session, _code(request))
    if check.status != "valid":
        await _refuse_link(request, check.status, check.coach_id)
        return render(
            request,
            "signin.html",
            status=410 if check.coach_id else 404,
            title=_("Sign in"),
            email="",
            notice="",
            error=refused_link(check.status),
        )
    return render(request, "signin_continue.html", title=_("Sign in"), coach_name=check.coach_name)


@routes.post("/signin/{code}")
@public
async def use_link(request: web.Request) -> web.StreamResponse:
    db = request.config_dict[DB_KEY]
    async with db.unit_of_work() as session:
        check = await redeem_login_code(session, _code(request))
        token = None
        if check.status == "valid" and check.coach_id is not None:
            token = await start_session(
                session, check.coach_id, user_agent=request.headers.get("User-Agent", "")
            )
    if token is None or check.coach_id is None:
        await _refuse_link(request, check.status, check.coach_id)
        return render(
            request,
            "signin.html",
            status=410 if check.coach_id else 404,
            title=_("Sign in"),
            email="",
            notice="",
            error=refused_link(check.status),
        )
    await audit(
        request,
        actor=coach_actor(check.coach_id),
        action="web.signed_in",
        subject=coach_actor(check.coach_id),
    )
    response = redirect(home_url(request))
    set_session_cookie(response, request, token)
    return response


async def _refuse_link(request: web.Request, status: str, coach_id: int | None) -> None:
    if coach_id is None:  # nobody to name: counted per minute, like any anonymous refusal
        await audit_refusal(request, "web.sign_in_refused", reason=f"{status} link")
        return
    await audit(
        request,
        actor="anonymous",
        action="web.sign_in_refused",
        subject=coach_actor(coach_id),
        reason=f"{status} link",
    )


@routes.post("/signout", name="sign_out")
async def sign_out(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        await end_session(session, viewer.session_id)
    await audit(request, actor=viewer.actor, action="web.signed_out", subject=viewer.actor)
    response = redirect(str(request.app.router["sign_in"].url_for()))
    clear_session_cookie(response)
    return response
