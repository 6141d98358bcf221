"""Who may open a page: helpers handlers use.

- Every route requires a signed-in coach (the ``sign_in_required`` middleware) unless decorated with
  :func:`public`.
- :func:`requires_admin` lets only admins in; anyone else gets 404, and it is audited.
- :func:`signed_in` is the coach behind the request; :func:`load_visible_client` the client of the URL
  when this coach may see them (404 and an audit event otherwise).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web.auth.audit import audit_refusal
from bot.web.keys import VIEWER_KEY
from domain.models import Client
from domain.services.client_access import visible_client
from domain.services.web_auth import SignedIn

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC_MARK = "__web_public__"
SIGN_IN_ROUTE = "sign_in"


def public(handler: Handler) -> Handler:
    """Marks a handler anyone may call without signing in (the sign-in pages)."""
    setattr(handler, PUBLIC_MARK, True)
    return handler


def is_public(request: web.Request) -> bool:
    route = request.match_info.route
    if isinstance(route.resource, web.StaticResource) or request.match_info.http_exception is not None:
        return True  # static files, and 404/405 for paths that match nothing
    return bool(getattr(route.handler, PUBLIC_MARK, False))


def sign_in_redirect(request: web.Request) -> web.HTTPSeeOther:
    """To the sign-in page (raise it)."""
    return web.HTTPSeeOther(str(request.app.router[SIGN_IN_ROUTE].url_for()))


def signed_in(request: web.Request) -> SignedIn:
    """The signed-in coach (every non-public handler has one)."""
    if VIEWER_KEY not in request:
        raise sign_in_redirect(request)
    return request[VIEWER_KEY]


def requires_admin(handler: Handler) -> Handler:
    """Only admins get the page; a coach gets 404 (the page does not exist for them) and an audit event."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        if not signed_in(request).is_admin:
            await audit_refusal(request, "web.admin_refused", reason="not an admin")
            raise web.HTTPNotFound()
        return await handler(request)

    return guarded


def path_int(request: web.Request, name: str) -> int:
    """A whole-number path part (``/clients/{client_id}``); anything else is 404."""
    raw = request.match_info.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise web.HTTPNotFound()
    return int(raw)


async def load_visible_client(request: web.Request, session: AsyncSession, client_id: int) -> Client:
    """The client when the signed-in coach may see them; otherwise 404 — the same for another coach's
    client as for none — and an audit event ``web.access_refused``."""
    viewer = signed_in(request)
    client = await visible_client(session, client_id, coach_id=viewer.coach_id, is_admin=viewer.is_admin)
    if client is None:
        await audit_refusal(
            request, "web.access_refused", subject=f"client:{client_id}", reason="not visible"
        )
        raise web.HTTPNotFound()
    return client


def form_text(form: Any, name: str) -> str:
    """A text field of a posted form ('' when absent or a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""
