"""The workspace's two cookies: the session token and, before sign-in, a CSRF token (double submit).

Both are HttpOnly and SameSite=Lax (a form posted from another site carries neither), and Secure
when the page is served over https or the public URL is https (behind a TLS-terminating proxy).
"""

from __future__ import annotations

import secrets

from aiohttp import web

from bot.web.keys import SETTINGS_KEY
from domain.services.web_auth import SESSION_ABSOLUTE, TOKEN_BYTES

SESSION_COOKIE = "coach_session"
ANON_CSRF_COOKIE = "coach_csrf"
# Both cookies cover the whole host: the JSON API under /api/v1 accepts the same session.
COOKIE_PATH = "/"


def served_securely(request: web.Request) -> bool:
    public_url = request.config_dict[SETTINGS_KEY].public_url or ""
    return request.secure or public_url.startswith("https://")


def _set(
    response: web.StreamResponse, request: web.Request, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        secure=served_securely(request),
    )


def set_session_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    # The cookie may outlive an idle session; the row decides, the cookie only carries the token.
    _set(response, request, SESSION_COOKIE, token, int(SESSION_ABSOLUTE.total_seconds()))


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)


def new_anon_csrf_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def set_anon_csrf_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    _set(response, request, ANON_CSRF_COOKIE, token, None)  # a browser-session cookie
