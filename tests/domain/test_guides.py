"""Guides in the domain: reading a guide file (title, slug, line-numbered problems), publishing
revisions, and the per-coach New marks."""

from __future__ import annotations

import pytest

from domain.db import Database
from domain.errors import NotFound, ValidationError
from domain.services import guides
from domain.services.coaches import create_coach


def test_title_and_slug_come_from_options_front_matter_heading_and_file_name() -> None:
    parsed = guides.parse_guide_file("# First Week With Clients\n\nSay hello.", file_name="First Week.md")
    assert (parsed.slug, parsed.title) == ("first-week", "First Week With Clients")
    front = "---\ntitle: Handling refunds\nslug: refunds\n---\n# Other\ntext\n"
    parsed = guides.parse_guide_file(front, file_name="x.md")
    assert (parsed.slug, parsed.title) == ("refunds", "Handling refunds")
    assert guides.parse_guide_file(front, file_name="x.md", slug="money", title="Money").slug == "money"


def test_guide_file_dataclass_fields() -> None:
    parsed = guides.parse_guide_file("# T\n\nbody", file_name="a.md")
    assert parsed.body == "# T\n\nbody\n"


@pytest.mark.parametrize(
    ("text", "name", "options", "problem"),
    [
        ("just text, no heading", "a.md", {}, "needs a title"),
        ("# T\n", "!!!.md", {}, "slug '' must be lowercase"),
        ("# T\n", "a.md", {"slug": "Bad Slug"}, "slug 'Bad Slug' must be lowercase"),
        ("---\nauthor: me\n---\n# T\n", "a.md", {}, "line 2: unknown setting 'author'"),
        ("---\ntitle: x\n", "a.md", {}, "line 1: the front matter opened here is never closed"),
        ("# " + "x" * 201, "a.md", {}, "at most 200 characters"),
        ("---\ntitle: T\n---\n", "a.md", {}, "line 4: the document has no text"),
    ],
)
def test_bad_guide_files(text: str, name: str, options: dict[str, str], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        guides.parse_guide_file(text, file_name=name, **options)


async def test_revisions_and_new_marks_per_coach(db: Database) -> None:
    async with db.unit_of_work() as s:
        ada = await create_coach(s, name="Ada", email="ada@example.com")
        bo = await create_coach(s, name="Bo", email="bo@example.com")
        first = guides.parse_guide_file("# Refunds\n\nAsk first.", file_name="refunds.md")
        assert (await guides.publish_guide(s, first, actor="cli"))[1] == "created"
        assert (await guides.publish_guide(s, first, actor="cli"))[1] == "unchanged"
    async with db.unit_of_work() as s:
        assert [e.new for e in await guides.guides_for_coach(s, ada.id)] == [True]
        opened = await guides.open_guide(s, ada.id, "refunds")
        await guides.open_guide(s, ada.id, str(opened.id))  # by number, twice: one mark
    async with db.unit_of_work() as s:
        assert [e.new for e in await guides.guides_for_coach(s, ada.id)] == [False]
        assert [e.new for e in await guides.guides_for_coach(s, bo.id)] == [True]
        changed = guides.parse_guide_file("# Refunds\n\nAsk first, then refund.", file_name="refunds.md")
        row, outcome = await guides.publish_guide(s, changed, actor="cli")
        assert (outcome, row.revision) == ("updated", 2)
    async with db.unit_of_work() as s:
        assert [(e.revision, e.new) for e in await guides.guides_for_coach(s, ada.id)] == [(2, True)]
        with pytest.raises(NotFound):
            await guides.open_guide(s, ada.id, "nothing-here")
        with pytest.raises(NotFound):
            await guides.open_guide(s, 999, "refunds")
