"""Guides: the coach-facing guides the admins publish (``coach guides publish``), each marked New until
this coach opens its current revision. The Markdown is rendered with raw HTML escaped
(:func:`bot.markdown.markdown_to_html`)."""

from __future__ import annotations

from aiohttp import web

from bot.http.server import DB_KEY
from bot.markdown import markdown_to_html
from bot.web.auth.guards import signed_in
from bot.web.i18n import gettext as _
from bot.web.render import render
from domain.errors import NotFound
from domain.services import guides

routes = web.RouteTableDef()


@routes.get("/guides", name="guides")
async def guide_list(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    async with request.config_dict[DB_KEY].sessions() as session:
        entries = await guides.guides_for_coach(session, viewer.coach_id)
    return render(
        request,
        "guides.html",
        title=_("Guides"),
        section="guides",
        entries=entries,
        new=sum(e.new for e in entries),
    )


@routes.get("/guides/{slug}", name="guide")
async def guide_page(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    slug = request.match_info["slug"]
    if len(slug) > guides.SLUG_MAX_CHARS:
        raise web.HTTPNotFound()
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            guide = await guides.open_guide(session, viewer.coach_id, slug)
            title, revision, published_at, body = guide.title, guide.revision, guide.published_at, guide.body
    except NotFound:
        raise web.HTTPNotFound() from None
    return render(
        request,
        "guide.html",
        title=title,
        section="guides",
        guide_title=title,
        revision=revision,
        published_at=published_at,
        body_html=markdown_to_html(body, demote_headings=True),
    )
