"""The Account page: where this coach is signed in (and signing out everywhere else), and a code that
links their Telegram account so sign-in links can reach them there."""

from __future__ import annotations

from aiohttp import web

from bot.http.server import DB_KEY
from bot.web.auth.guards import signed_in
from bot.web.i18n import gettext as _
from bot.web.i18n import ngettext
from bot.web.render import redirect, render
from domain.models.enums import LoginPurpose
from domain.services.sign_in_delivery import LINK_MINUTES, linked_chat_platforms
from domain.services.web_auth import (
    SESSION_ABSOLUTE,
    SESSION_IDLE,
    TooManyLinks,
    end_other_sessions,
    issue_login_code,
    open_sessions,
)

routes = web.RouteTableDef()


async def _page(
    request: web.Request, *, status: int = 200, code: str = "", notice: str = "", error: str = ""
) -> web.Response:
    viewer = signed_in(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        sessions = await open_sessions(session, viewer.coach_id)
        linked = await linked_chat_platforms(session, viewer.coach_id)
    return render(
        request,
        "account.html",
        status=status,
        title=_("Account"),
        section="account",
        sessions=sessions,
        linked=linked,
        code=code,
        notice=notice,
        error=error,
        link_minutes=LINK_MINUTES,
        session_idle_hours=int(SESSION_IDLE.total_seconds() // 3600),
        session_days=SESSION_ABSOLUTE.days,
    )


@routes.get("/account", name="account")
async def account(request: web.Request) -> web.StreamResponse:
    ended = request.query.get("ended", "")
    notice = (
        ngettext("Signed out of %(num)s other session.", "Signed out of %(num)s other sessions.", int(ended))
        if ended.isdigit() and len(ended) < 10
        else ""
    )
    return await _page(request, notice=notice)


@routes.post("/account/sessions/others", name="account_sessions")
async def sign_out_elsewhere(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        count = await end_other_sessions(session, viewer.coach_id, keep_session_id=viewer.session_id)
    return redirect(f"{request.app.router['account'].url_for()}?ended={count}")


@routes.post("/account/telegram", name="account_telegram")
async def telegram_code(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            code = await issue_login_code(
                session, viewer.coach_id, sent_via="web", purpose=LoginPurpose.TELEGRAM_LINK
            )
    except TooManyLinks:
        return await _page(
            request,
            status=429,
            error=_("Too many codes were made; try again in %(minutes)s minutes.", minutes=LINK_MINUTES),
        )
    return await _page(request, code=code)
