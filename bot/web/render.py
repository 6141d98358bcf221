"""Rendering a page: the template with what every page needs (the coach, the CSRF token, the menu)."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.web.i18n import N_, gettext, request_locale
from bot.web.keys import ANON_CSRF_KEY, VIEWER_KEY
from conversations.i18n import use_locale

# The main menu: (route name, label, admins only). Items whose page is not installed are left out.
NAVIGATION = (
    ("clients", N_("Clients"), False),
    ("programs", N_("Programs"), False),
    ("analytics", N_("Analytics"), False),
    ("announcements", N_("Announcements"), False),
    ("availability", N_("Availability"), False),
    ("settings", N_("Settings"), False),
    ("guides", N_("Guides"), False),
    ("admin", N_("Admin"), True),
    ("admin_support", N_("Support"), True),
)


def navigation(request: web.Request) -> list[dict[str, str]]:
    viewer = request.get(VIEWER_KEY)
    if viewer is None:
        return []
    router = request.app.router
    return [
        {"name": name, "label": gettext(label), "url": str(router[name].url_for())}
        for name, label, admins_only in NAVIGATION
        if name in router and (viewer.is_admin or not admins_only)
    ]


def render(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    """``template`` (in bot/web/templates) with ``context``; autoescaped, so client text is safe in it.
    In the reader's language (:func:`bot.web.i18n.request_locale`)."""
    viewer = request.get(VIEWER_KEY)
    with use_locale(request_locale(request)):
        base = {
            "viewer": viewer,
            "csrf_token": viewer.csrf_token if viewer is not None else request.get(ANON_CSRF_KEY, ""),
            "navigation": navigation(request),
            "section": "",
        }
        return aiohttp_jinja2.render_template(template, request, base | context, status=status)


def redirect(location: str) -> web.Response:
    """303 See Other: after a form, the browser GETs ``location`` (reloading it does not post again)."""
    return web.Response(status=303, headers={"Location": location})
