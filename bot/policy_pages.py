"""``GET /policy`` and ``GET /policy/<version>``: the privacy policy and terms, public, as the links in
the chat point to them (under COACH_PUBLIC_URL)."""

from __future__ import annotations

import html

from aiohttp import web

from bot.components import Component
from bot.markdown import markdown_to_html
from bot.web.i18n import accepted_language
from conversations.flows.policy import POLICY_PATH
from conversations.i18n import current_locale, use_locale
from conversations.texts import PolicyPage as T
from domain.db import Database
from domain.errors import NotFound
from domain.services import policies

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5;
overflow-wrap:anywhere}}</style></head>
<body><main><p><small>{meta}</small></p>
{body}</main></body></html>
"""


def render_policy(version: int, summary: str, published: str, body: str) -> str:
    """The page in the current locale; the policy's own summary and text as the admin wrote them."""
    return PAGE.format(
        lang=current_locale(),
        title=html.escape(T.TITLE.format(version=version)),
        meta=html.escape(T.META.format(version=version, published=published, summary=summary)),
        body=markdown_to_html(body),
    )


def _reader_locale(request: web.Request) -> str:
    """The policy links go to clients in the chat: the page is in their browser's language."""
    return accepted_language(request.headers.get("Accept-Language"))


class PolicyPages(Component):
    name = "policy-pages"

    def __init__(self, db: Database) -> None:
        self.db = db

    def install_routes(self, app: web.Application) -> None:
        app.router.add_get(POLICY_PATH, self.latest)
        app.router.add_get(POLICY_PATH + "/{version}", self.version)

    async def latest(self, request: web.Request) -> web.Response:
        async with self.db.sessions() as session:
            policy = await policies.current_policy(session)
        if policy is None:
            with use_locale(_reader_locale(request)):
                raise web.HTTPNotFound(text=T.NONE_YET)
        raise web.HTTPFound(f"{POLICY_PATH}/{policy.version}")

    async def version(self, request: web.Request) -> web.Response:
        with use_locale(_reader_locale(request)):
            return await self._version(request)

    async def _version(self, request: web.Request) -> web.Response:
        raw = request.match_info["version"]
        if not raw.isdigit() or len(raw) > 9:
            raise web.HTTPNotFound(text=T.NO_SUCH_VERSION)
        try:
            async with self.db.sessions() as session:
                policy = await policies.get_policy(session, int(raw))
        except NotFound:
            raise web.HTTPNotFound(text=T.NO_SUCH_VERSION) from None
        page = render_policy(
            policy.version, policy.summary, policy.published_at.date().isoformat(), policy.body
        )
        return web.Response(text=page, content_type="text/html")
