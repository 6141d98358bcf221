"""Every page of the workspace, as an admin with data on it, is readable by a screen reader and on a
phone: a language, a viewport, one main heading, and every form field and image named (a ``<label
for>``, a wrapping ``<label>``, ``aria-label`` or ``aria-labelledby``; ``alt``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

from domain.db import Database
from domain.insights.approval import propose_goals
from domain.insights.goals import GoalProposal
from domain.models import Coach
from domain.services.checkins import record_check_in
from domain.services.guides import parse_guide_file, publish_guide
from domain.services.support import Requester, open_ticket
from tests.programs.conftest import enroll_client
from tests.support.web import browser, served_workspace

UNNAMED_INPUT_TYPES = frozenset({"hidden", "submit", "button", "reset", "image"})


@dataclass
class PageOutline(HTMLParser):
    """What a screen reader needs of a page: its language, headings and the names of its fields."""

    lang: str = ""
    viewport: bool = False
    h1: int = 0
    labelled_ids: set[str] = field(default_factory=set)
    fields: list[tuple[str, str, bool]] = field(default_factory=list)  # (tag, id, named by itself)
    unnamed_images: list[str] = field(default_factory=list)
    open_labels: int = 0

    def __post_init__(self) -> None:
        HTMLParser.__init__(self)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "meta" and a.get("name") == "viewport":
            self.viewport = True
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.labelled_ids.add(a["for"])
        elif tag in {"input", "select", "textarea"} and a.get("type", "") not in UNNAMED_INPUT_TYPES:
            named = bool(a.get("aria-label") or a.get("aria-labelledby") or self.open_labels)
            self.fields.append((tag, a.get("id", ""), named))
        elif tag == "img" and "alt" not in a:
            self.unnamed_images.append(a.get("src", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels = max(0, self.open_labels - 1)

    def unnamed_fields(self) -> list[str]:
        return [
            f"{tag}#{id_}" for tag, id_, named in self.fields if not named and id_ not in self.labelled_ids
        ]


def outline(html: str) -> PageOutline:
    parsed = PageOutline()
    parsed.feed(html)
    parsed.close()
    return parsed


async def test_every_page_names_its_fields_and_headings(db: Database) -> None:
    enrolled = await enroll_client(db, started=datetime.now(UTC) - timedelta(days=3))
    async with db.unit_of_work() as session:
        coach = await session.get(Coach, enrolled.coach_id)
        assert coach is not None
        coach.role = "admin"  # sees the Admin pages too
        await record_check_in(
            session,
            client_id=enrolled.client_id,
            mood=6,
            energy=5,
            sleep_hours=7.5,
            adherence="yes",
            source_channel="console",
        )
        await propose_goals(
            session,
            enrolled.client_id,
            [GoalProposal("Run three times a week", "runs", 3.0, "runs", date.today() + timedelta(days=30))],
            ai=True,
        )
        guide = "# First week\n\n## Day one\n\nSay hello.\n"
        await publish_guide(session, parse_guide_file(guide, file_name="first-week.md"), actor="cli")
        ticket = await open_ticket(session, Requester(client_id=enrolled.client_id), "My reminders stopped")
    pages = (
        "/app/clients",
        f"/app/clients/{enrolled.client_id}",
        "/app/programs",
        f"/app/programs/{enrolled.program_id}",
        "/app/settings",
        "/app/announcements",
        "/app/account",
        "/app/analytics",
        "/app/admin",
        "/app/admin/audit",
        "/app/guides",
        "/app/guides/first-week",
        "/app/admin/support",
        f"/app/admin/support/{ticket.id}",
    )
    async with served_workspace(db) as root, browser(root) as visitor:
        status, body, _ = await visitor.get("/app/signin")
        checked = [("/app/signin", status, body)]
        await visitor.sign_in(db, enrolled.coach_id)
        for path in pages:
            status, body, _ = await visitor.get(path)
            checked.append((path, status, body))
    for path, status, body in checked:
        assert status == 200, path
        page = outline(body)
        assert page.lang == "en" and page.viewport, path
        assert page.h1 == 1, path
        # the pages have forms to check (the guides are for reading only)
        assert page.fields or path in {"/app/account", "/app/guides", "/app/guides/first-week"}, path
        assert page.unnamed_fields() == [], path
        assert page.unnamed_images == [], path
