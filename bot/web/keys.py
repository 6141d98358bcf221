"""Keys the workspace keeps on its application and on each request."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from bot.config import Settings
from domain.insights.summary import WeeklySummary
from domain.services.web_auth import SignedIn

SETTINGS_KEY = web.AppKey("web_settings", Settings)
# The signed-in coach (absent for anonymous requests), set by the session middleware.
VIEWER_KEY = web.RequestKey("web_viewer", SignedIn)
# The anonymous visitor's CSRF token (double-submit cookie) when nobody is signed in.
ANON_CSRF_KEY = web.RequestKey("web_anon_csrf", str)


class SummarySource(Protocol):
    """The insights service's read-only weekly summary (a cached AI one, else the computed one)."""

    async def latest_summary(self, client_id: int) -> WeeklySummary: ...


INSIGHTS_KEY = web.AppKey("web_insights", SummarySource)
