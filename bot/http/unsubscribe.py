"""The one-click unsubscribe endpoint of client emails: ``/email/unsubscribe/<token>``.

``GET`` (a person clicking the footer link) shows a page with one button; ``POST`` (that button, or a
mail provider acting on ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, RFC 8058) stops all
email to the client. The token is the authority (an HMAC of the client and the address, see
:mod:`domain.services.client_email`), so the POST needs no session or CSRF token; a forged or stale
token gets a 404 and changes nothing. Pages are in the client's language.
"""

from __future__ import annotations

import html

from aiohttp import web

from conversations.i18n import use_locale
from conversations.texts import EmailUnsubscribe as T
from domain.clock import utcnow
from domain.db import Database
from domain.services.client_email import client_for_token, unsubscribe
from integrations.email import UNSUBSCRIBE_PATH

ROUTE = f"{UNSUBSCRIBE_PATH}/{{token}}"
# A token is "<client id>.<22 characters>": anything much longer is not one of ours.
TOKEN_MAX_CHARS = 64


def _page(title: str, body: str, locale: str, status: int = 200) -> web.Response:
    page = (
        f'<!doctype html><html lang="{html.escape(locale)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        '<body style="font-family: sans-serif; max-width: 560px; margin: 40px auto; padding: 0 16px;">'
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(text=page, content_type="text/html", status=status)


def _masked(email: str) -> str:
    """``s***@example.com``: enough for the owner to recognise, little for anyone else."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _invalid() -> web.Response:
    with use_locale(None):
        return _page(T.INVALID_TITLE, f"<p>{html.escape(T.INVALID)}</p>", "en", status=404)


def install_unsubscribe(app: web.Application, db: Database) -> None:
    async def confirm(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if len(token) > TOKEN_MAX_CHARS:
            return _invalid()
        async with db.unit_of_work() as session:
            client = await client_for_token(session, token)
            if client is None or client.email is None:
                return _invalid()
            email, locale, already = client.email, client.locale, client.email_unsubscribed_at is not None
        with use_locale(locale):
            if already:
                return _page(T.TITLE, f"<p>{html.escape(T.ALREADY.format(email=_masked(email)))}</p>", locale)
            body = (
                f"<p>{html.escape(T.CONFIRM.format(email=_masked(email)))}</p>"
                f'<form method="post"><button type="submit" name="List-Unsubscribe" value="One-Click">'
                f"{html.escape(T.BUTTON)}</button></form>"
            )
            return _page(T.TITLE, body, locale)

    async def one_click(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if len(token) > TOKEN_MAX_CHARS:
            return _invalid()
        async with db.unit_of_work() as session:
            done = await unsubscribe(session, token, now=utcnow())
            client = await client_for_token(session, token) if done else None
            locale = client.locale if client is not None else "en"
        if done is None:
            return _invalid()
        with use_locale(locale):
            return _page(T.TITLE, f"<p>{html.escape(T.DONE.format(email=_masked(done.email)))}</p>", locale)

    app.router.add_get(ROUTE, confirm)
    app.router.add_post(ROUTE, one_click)
