"""Coach-facing guides (training materials): the admins publish Markdown files, coaches read them in
Slack and the web workspace, and each coach sees which ones are new to them.

A guide is known by its ``slug`` (from the front matter, else the file name); publishing the same slug
again with changed text is a new revision, new again to every coach. Reading a guide records the
revision the coach saw (one row per coach and guide, updated in place)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.documents import DocumentError, read_document
from domain.errors import NotFound, ValidationError
from domain.models import Coach, Guide, GuideRead
from domain.reasons.guides import GuideProblems
from domain.services.audit import record_audit_event
from domain.text import clean_text

GUIDE_SETTINGS = frozenset({"title", "slug"})
TITLE_MAX_CHARS = 200
SLUG_MAX_CHARS = 100
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class GuideFile:
    slug: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class GuideEntry:
    """A guide as a coach's list shows it."""

    id: int
    slug: str
    title: str
    revision: int
    published_at: datetime
    new: bool  # never opened by this coach, or changed since


def slug_from_name(name: str) -> str:
    """``Onboarding Checklist.md`` → ``onboarding-checklist``."""
    stem = name.rsplit("/", 1)[-1]
    stem = stem[: -len(".md")] if stem.lower().endswith(".md") else stem
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:SLUG_MAX_CHARS].strip("-")


def check_slug(slug: str) -> str:
    if not _SLUG.match(slug) or len(slug) > SLUG_MAX_CHARS:
        raise ValidationError(GuideProblems.BAD_SLUG(slug=slug, limit=SLUG_MAX_CHARS), field="slug")
    return slug


def check_title(title: str) -> str:
    text = " ".join(clean_text(title).split())
    if not text:
        raise ValidationError(GuideProblems.NO_TITLE(), field="title")
    if len(text) > TITLE_MAX_CHARS:
        raise ValidationError(GuideProblems.TITLE_TOO_LONG(limit=TITLE_MAX_CHARS), field="title")
    return text


def parse_guide_file(
    text: str, *, file_name: str, slug: str | None = None, title: str | None = None
) -> GuideFile:
    """The guide in ``text``: title from ``title``, the front matter or the first heading; slug from
    ``slug``, the front matter or the file name. Problems name their line."""
    try:
        document = read_document(text, allowed=GUIDE_SETTINGS)
    except DocumentError as exc:
        raise ValidationError(str(exc), field="file") from None
    heading = next((m.group(1) for line in document.body.splitlines() if (m := _HEADING.match(line))), None)
    if heading is not None:  # the title is plain text: no Markdown emphasis in it
        heading = re.sub(r"(\*\*|__|`)", "", heading)
    chosen_title = title or document.settings.get("title") or heading or ""
    chosen_slug = slug or document.settings.get("slug") or slug_from_name(file_name)
    return GuideFile(check_slug(chosen_slug), check_title(chosen_title), document.body)


async def publish_guide(session: AsyncSession, guide: GuideFile, *, actor: str) -> tuple[Guide, Outcome]:
    """Create the guide, or a new revision of the one with that slug; the same text again changes nothing."""
    existing = await session.scalar(select(Guide).where(Guide.slug == guide.slug))
    now = utcnow()
    if existing is None:
        row = Guide(
            slug=guide.slug,
            title=guide.title,
            body=guide.body,
            revision=1,
            published_by=actor,
            published_at=now,
        )
        session.add(row)
        outcome: Outcome = "created"
    elif (existing.title, existing.body) == (guide.title, guide.body):
        return existing, "unchanged"
    else:
        row = existing
        row.title, row.body, row.revision = guide.title, guide.body, existing.revision + 1
        row.published_by, row.published_at = actor, now
        outcome = "updated"
    await session.flush()
    await record_audit_event(
        session,
        actor=actor,
        action="guide.published",
        subject=f"guide:{row.slug}",
        details={"revision": row.revision, "title": row.title},
    )
    return row, outcome


async def guides_for_coach(session: AsyncSession, coach_id: int) -> list[GuideEntry]:
    """Every guide, newest first, each marked new unless this coach read its current revision."""
    rows = await session.execute(
        select(GuideRead.guide_id, GuideRead.revision).where(GuideRead.coach_id == coach_id)
    )
    read = {guide_id: revision for guide_id, revision in rows}
    guides = (await session.scalars(select(Guide).order_by(Guide.published_at.desc(), Guide.id.desc()))).all()
    return [
        GuideEntry(g.id, g.slug, g.title, g.revision, g.published_at, read.get(g.id, 0) < g.revision)
        for g in guides
    ]


async def find_guide(session: AsyncSession, key: str) -> Guide:
    """A guide by slug, or by its number in the list (``3`` or ``#3``: its id)."""
    word = key.strip().lstrip("#").lower()
    guide = None
    if word.isdigit() and len(word) < 10:
        guide = await session.get(Guide, int(word))
    if guide is None:
        guide = await session.scalar(select(Guide).where(Guide.slug == word))
    if guide is None:
        raise NotFound(GuideProblems.NO_GUIDE(guide=key.strip()))
    return guide


async def open_guide(session: AsyncSession, coach_id: int, key: str) -> Guide:
    """The guide, marked read by this coach at its current revision."""
    if await session.get(Coach, coach_id) is None:
        raise NotFound(GuideProblems.NO_COACH(coach=coach_id))
    guide = await find_guide(session, key)
    mark = await session.scalar(
        select(GuideRead).where(GuideRead.coach_id == coach_id, GuideRead.guide_id == guide.id)
    )
    if mark is None:
        try:
            async with session.begin_nested():  # the same coach opening it twice at once: one row
                session.add(
                    GuideRead(coach_id=coach_id, guide_id=guide.id, revision=guide.revision, read_at=utcnow())
                )
        except IntegrityError:
            pass
    elif mark.revision != guide.revision:
        mark.revision, mark.read_at = guide.revision, utcnow()
        await session.flush()
    return guide


async def list_guides(session: AsyncSession) -> list[Guide]:
    return list((await session.scalars(select(Guide).order_by(Guide.slug))).all())
