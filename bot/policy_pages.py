"""``GET /policy`` and ``GET /policy/<version>``: the privacy policy and terms, public, as the links in
the chat point to them (under COACH_PUBLIC_URL)."""

from __future__ import annotations

import html

from aiohttp import web

from bot.components import Component
from bot.markdown import markdown_to_html
from conversations.flows.policy import POLICY_PATH
from domain.db import Database
from domain.errors import NotFound
from domain.services import policies

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5;
overflow-wrap:anywhere}}</style></head>
<body><main><p><small>{meta}</small></p>
{body}</main></body></html>
"""


def render_policy(version: int, summary: str, published: str, body: str) -> str:
    meta = f"Version {version}, published {published}. What changed: {summary}"
    return PAGE.format(
        title=html.escape(f"Privacy policy and terms, version {version}"),
        meta=html.escape(meta),
        body=markdown_to_html(body),
    )


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
            raise web.HTTPNotFound(text="No privacy policy has been published yet.")
        raise web.HTTPFound(f"{POLICY_PATH}/{policy.version}")

    async def version(self, request: web.Request) -> web.Response:
        raw = request.match_info["version"]
        if not raw.isdigit() or len(raw) > 9:
            raise web.HTTPNotFound(text="There is no such policy version.")
        try:
            async with self.db.sessions() as session:
                policy = await policies.get_policy(session, int(raw))
        except NotFound:
            raise web.HTTPNotFound(text="There is no such policy version.") from None
        page = render_policy(
            policy.version, policy.summary, policy.published_at.date().isoformat(), policy.body
        )
        return web.Response(text=page, content_type="text/html")
