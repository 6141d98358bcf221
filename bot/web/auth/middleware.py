"""What every workspace request passes, outermost first: security headers and error pages, the
session (who is signed in), sign-in required unless a route is public, and CSRF on unsafe methods."""

from __future__ import annotations

import hmac
import logging
from collections.abc import MutableMapping

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.http.server import DB_KEY
from bot.web.auth.audit import audit_refusal
from bot.web.auth.cookies import (
    ANON_CSRF_COOKIE,
    SESSION_COOKIE,
    clear_session_cookie,
    new_anon_csrf_token,
    set_anon_csrf_cookie,
)
from bot.web.auth.guards import is_public, sign_in_redirect
from bot.web.i18n import gettext as _
from bot.web.i18n import language_middleware, request_locale
from bot.web.keys import ANON_CSRF_KEY, VIEWER_KEY
from bot.web.render import render
from conversations.i18n import use_locale
from domain.services.web_auth import resume_session

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# Only our own files run, nothing is framed, forms post only here; inline SVG charts need no exception.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Headers every answer carries, and friendly pages for 403 and 404."""
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        with use_locale(request_locale(request)):  # outside the language middleware: set it here
            response = not_found_page(request)
    except web.HTTPException as exc:  # redirects and other statuses raised by handlers
        _protect(exc.headers, exc.content_type)
        raise
    _protect(response.headers, response.content_type)
    return response


def not_found_page(request: web.Request) -> web.Response:
    return render(
        request,
        "message.html",
        status=404,
        title=_("Not found"),
        message=_("There is nothing here, or it is not yours to see."),
    )


def _protect(headers: MutableMapping[str, str], content_type: str) -> None:
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Sign-in links carry their code in the path; no other site may see it in a Referer header.
    headers.setdefault("Referrer-Policy", "no-referrer")
    if content_type == "text/html":
        headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Resolves the session cookie to the signed-in coach; an ended session's cookie is removed."""
    if isinstance(request.match_info.route.resource, web.StaticResource):
        return await handler(request)  # the stylesheet and the script need no database
    token = request.cookies.get(SESSION_COOKIE)
    ended = False
    if token:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            viewer = await resume_session(session, token)
        if viewer is not None:
            request[VIEWER_KEY] = viewer
        else:
            ended = True
            await audit_refusal(request, "web.session_refused", reason="expired, revoked or unknown session")
    fresh_anon_token = None
    if VIEWER_KEY not in request:
        existing = request.cookies.get(ANON_CSRF_COOKIE)
        if not existing:
            fresh_anon_token = new_anon_csrf_token()
        request[ANON_CSRF_KEY] = existing or fresh_anon_token or ""

    def finish(response: web.StreamResponse) -> None:
        if ended and VIEWER_KEY not in request:
            clear_session_cookie(response)
        if fresh_anon_token is not None and not response.prepared:
            set_anon_csrf_cookie(response, request, fresh_anon_token)

    try:
        response = await handler(request)
    except web.HTTPException as exc:  # a redirect to sign-in forgets the ended session too
        finish(exc)
        raise
    finish(response)
    return response


@web.middleware
async def sign_in_required(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every route wants a signed-in coach unless it is marked :func:`bot.web.auth.guards.public`."""
    if VIEWER_KEY in request or is_public(request):
        return await handler(request)
    if request.method in SAFE_METHODS:
        raise sign_in_redirect(request)
    await audit_refusal(request, "web.signin_required", reason="not signed in")
    raise sign_in_redirect(request)


def expected_csrf_token(request: web.Request) -> str:
    if VIEWER_KEY in request:
        return request[VIEWER_KEY].csrf_token
    anonymous: str = request.get(ANON_CSRF_KEY, "")
    return anonymous


async def presented_csrf_token(request: web.Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type in FORM_TYPES:
        form = await request.post()  # parsed once; handlers read the same cached form
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


@web.middleware
async def csrf_protection(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuses POST, PUT, PATCH and DELETE without this session's token (or, before sign-in, the
    token of the visitor's CSRF cookie) in the ``csrf_token`` field or the ``X-CSRF-Token`` header."""
    if request.method in SAFE_METHODS:
        return await handler(request)
    expected = expected_csrf_token(request)
    presented = await presented_csrf_token(request)
    if not expected or not presented or not hmac.compare_digest(expected.encode(), presented.encode()):
        await audit_refusal(request, "web.csrf_refused", reason="missing or wrong CSRF token")
        return render(
            request,
            "message.html",
            status=403,
            title=_("This form has expired"),
            message=_(
                "The page was open too long or came from somewhere else. Go back, reload it and try again."
            ),
        )
    return await handler(request)


MIDDLEWARES = (security_headers, session_middleware, language_middleware, sign_in_required, csrf_protection)
