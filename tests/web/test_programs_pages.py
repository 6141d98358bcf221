"""The Programs pages over real HTTP: who may open what, the editor's problems by line, publish, migrate."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
from sqlalchemy import func, select

from domain.db import Database
from domain.models import AuditEvent, ProgramVersion
from domain.services import program_versions as versions
from domain.services.coaches import set_coach_locale
from tests.programs.conftest import enroll_client
from tests.programs.example import program_file
from tests.support.web import add_coach, browser, served_workspace

VALID = program_file("## Day 1: Start\nWelcome.\n", "## Day 2: Next\nKeep going.\n")
# "day 1" after "day 2": the parser names the line of the second step heading.
OUT_OF_ORDER = program_file("## Day 2: Next\nKeep going.\n", "## Day 1: Start\nWelcome.\n")


async def _program(db: Database, coach_id: int, text: str = VALID) -> int:
    async with db.unit_of_work() as session:
        return (await versions.import_program(session, text, coach_id=coach_id)).program_id


async def _versions(db: Database, program_id: int) -> list[tuple[int, str]]:
    async with db.unit_of_work() as session:
        rows = await session.execute(
            select(ProgramVersion.number, ProgramVersion.status)
            .where(ProgramVersion.program_id == program_id)
            .order_by(ProgramVersion.number)
        )
        return [(n, s) for n, s in rows.all()]


async def test_every_programs_route_wants_a_sign_in_and_hides_other_coaches_programs(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    ben = await add_coach(db, "Ben", "ben@example.com")
    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    bens = await _program(db, ben.id)
    async with (
        served_workspace(db) as root,
        browser(root) as anonymous,
        browser(root) as coach,
        browser(root) as admin,
    ):
        for path in ("/app/programs", f"/app/programs/{bens}", f"/app/programs/{bens}/versions/1"):
            status, _, response = await anonymous.get(path)
            assert (status, response.headers["Location"]) == (303, "/app/signin")
        status, _, response = await anonymous.post(f"/app/programs/{bens}/publish", csrf=False)
        assert (status, response.headers["Location"]) == (303, "/app/signin")

        await coach.sign_in(db, ana.id)
        status, body, _ = await coach.get("/app/programs")
        assert status == 200 and "Test" not in body and "No programs yet" in body
        for path in (
            f"/app/programs/{bens}",
            "/app/programs/999999",
            "/app/programs/x",
            f"/app/programs/{bens}/versions/1",
            f"/app/programs/{bens}/versions/1/file",
        ):
            status, _, _ = await coach.get(path)
            assert status == 404
        status, _, _ = await coach.post(f"/app/programs/{bens}/publish", {"note": ""})
        assert status == 404
        assert await _versions(db, bens) == [(1, "draft")]

        await admin.sign_in(db, boss.id)
        status, body, _ = await admin.get(f"/app/programs/{bens}")
        assert status == 200 and "Ben" not in body and "## Day 1: Start" in body
        status, body, _ = await admin.get("/app/programs")
        assert status == 200 and "Ben" in body  # the admin's list names each program's coach
    async with db.unit_of_work() as session:
        refused = await session.scalar(
            select(func.count()).where(
                AuditEvent.action == "web.access_refused", AuditEvent.actor == f"coach:{ana.id}"
            )
        )
        assert refused == 5  # four program pages and the publish


async def test_the_editor_lists_problems_by_line_saves_nothing_then_saves_and_publishes(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    program_id = await _program(db, ana.id)
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana.id)
        await coach.get(f"/app/programs/{program_id}")
        status, body, _ = await coach.post(f"/app/programs/{program_id}/draft", {"source": OUT_OF_ORDER})
        line = OUT_OF_ORDER.splitlines().index("## Day 1: Start") + 1
        assert status == 422 and f"Line {line}</a>: day 1 comes after day 2" in body
        assert "nothing was saved" in body and "## Day 2: Next" in body  # the text as typed stays
        async with db.unit_of_work() as session:
            assert (await versions.get_version(session, program_id)).source == VALID

        edited = VALID.replace("Keep going.", "Keep going, gently.").replace("\n", "\r\n")  # as browsers post
        status, _, response = await coach.post(f"/app/programs/{program_id}/draft", {"source": edited})
        assert (status, response.headers["Location"]) == (303, f"/app/programs/{program_id}?notice=saved")
        status, _, _ = await coach.post(f"/app/programs/{program_id}/publish", {"note": "Gentler"})
        assert status == 303
        assert await _versions(db, program_id) == [(1, "published")]
        async with db.unit_of_work() as session:
            published = await versions.get_version(session, program_id)
            assert "\r" not in published.source and "gently" in published.source
            assert published.publish_note == "Gentler"
        status, body, _ = await coach.get(f"/app/programs/{program_id}?notice=published")
        assert status == 200 and "Published. New enrollments follow this version." in body
        assert "Publish the draft" not in body  # nothing left to publish

        status, _, _ = await coach.post(f"/app/programs/{program_id}/publish", {"note": ""}, csrf=False)
        assert status == 403
        status, body, _ = await coach.get(f"/app/programs/{program_id}/versions/1")
        assert status == 200 and "<code>## Day 2: Next</code>" in body and "Note: Gentler" in body
        async with coach.http.get(f"{root}/app/programs/{program_id}/versions/1/file") as response:
            assert response.status == 200 and await response.text() == published.source
            assert (
                response.headers["Content-Disposition"]
                == f'attachment; filename="program-{program_id}-v1.md"'
            )
        status, _, _ = await coach.get(f"/app/programs/{program_id}/versions/7")
        assert status == 404
        status, body, _ = await coach.post(f"/app/programs/{program_id}/draft", {"source": "x" * 100_001})
        assert status == 422 and "at most 100,000 characters" in body


async def test_a_german_coach_reads_the_files_problems_and_the_refusals_in_german(db: Database) -> None:
    jonas = await add_coach(db, "Jonas", "jonas@example.com")
    ana = await add_coach(db, "Ana", "ana@example.com")
    async with db.unit_of_work() as session:
        await set_coach_locale(session, jonas.id, "de")
    programs = {coach.id: await _program(db, coach.id) for coach in (jonas, ana)}
    for program_id in programs.values():
        async with db.unit_of_work() as session:
            await versions.publish(session, program_id)
            await versions.save_draft(session, program_id, VALID.replace("Welcome", "Hi"), actor="t")
    linked = VALID.replace("Welcome.", "Welcome. [Guide](files/guide.pdf)")
    async with served_workspace(db) as root, browser(root) as german, browser(root) as english:
        await german.sign_in(db, jonas.id)
        mine = programs[jonas.id]
        await german.get(f"/app/programs/{mine}")
        status, body, _ = await german.post(f"/app/programs/{mine}/draft", {"source": OUT_OF_ORDER})
        assert status == 422 and "</a>: Tag 1 steht nach Tag 2" in body and "comes after" not in body
        status, body, _ = await german.post(f"/app/programs/{mine}/draft", {"source": linked})
        assert status == 422 and "files/guide.pdf liegt nicht neben der Programmdatei" in body
        status, body, _ = await german.post(f"/app/programs/{mine}/migrate", {"to_version": "2"})
        assert status == 422 and "Version 2 ist ein Entwurf: veröffentliche sie zuerst." in body
        status, body, _ = await german.post(f"/app/programs/{mine}/publish", {"note": "x" * 501})
        assert status == 422 and "Die Notiz darf höchstens 500 Zeichen haben." in body

        await english.sign_in(db, ana.id)
        hers = programs[ana.id]
        await english.get(f"/app/programs/{hers}")
        status, body, _ = await english.post(f"/app/programs/{hers}/draft", {"source": linked})
        assert status == 422 and "files/guide.pdf is not beside the program file" in body
        status, body, _ = await english.post(f"/app/programs/{hers}/migrate", {"to_version": "2"})
        assert status == 422 and "Version 2 is a draft: publish it first." in body


async def test_a_new_program_from_a_template_opens_as_a_draft_and_never_replaces_one(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana.id)
        await coach.get("/app/programs")
        status, _, response = await coach.post("/app/programs", {"template": "stress-reset"})
        assert status == 303 and response.headers["Location"].endswith("?notice=created")
        first = response.headers["Location"]
        status, _, response = await coach.post("/app/programs", {"template": "stress-reset"})
        assert status == 303 and response.headers["Location"] == first.replace("created", "exists")
        status, _, _ = await coach.post("/app/programs", {"template": "../etc/passwd"})
        assert status == 400
    async with db.unit_of_work() as session:
        assert await session.scalar(select(func.count()).select_from(ProgramVersion)) == 1


async def test_enrolled_clients_are_moved_to_the_newest_version_from_the_page(db: Database) -> None:
    enrolled = await enroll_client(db, started=datetime(2026, 12, 1, 8, tzinfo=UTC))
    async with db.unit_of_work() as session:
        text = await versions.export_program(session, enrolled.program_id)
        await versions.save_draft(session, enrolled.program_id, text.replace("Welcome", "Hello"), actor="t")
        await versions.publish(session, enrolled.program_id, note="Friendlier")
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, enrolled.coach_id)
        status, body, _ = await coach.get(f"/app/programs/{enrolled.program_id}")
        assert status == 200 and "Move 1 to version 2" in body
        status, _, _ = await coach.post(f"/app/programs/{enrolled.program_id}/migrate", {"to_version": "2"})
        assert status == 303
        status, body, _ = await coach.get(f"/app/programs/{enrolled.program_id}")
        assert "Move 1 to version 2" not in body
    async with db.unit_of_work() as session:
        counts = await versions.enrolled_counts(session, enrolled.program_id)
        v2 = await versions.get_version(session, enrolled.program_id, 2)
        assert counts == {v2.id: 1}


async def test_files_a_step_links_to_are_added_in_the_editor_and_kept_by_later_saves(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    program_id = await _program(db, ana.id)
    linked = VALID.replace("Welcome.", "Welcome. [Guide](files/guide.pdf)")
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana.id)
        await coach.get(f"/app/programs/{program_id}")
        status, body, _ = await coach.post(f"/app/programs/{program_id}/draft", {"source": linked})
        assert status == 422 and "files/guide.pdf is not beside the program file" in body

        form = aiohttp.FormData()
        form.add_field("csrf_token", coach.csrf)
        form.add_field("source", linked)
        form.add_field("files", b"%PDF-1.4 guide", filename="guide.pdf", content_type="application/pdf")
        async with coach.http.post(
            f"{root}/app/programs/{program_id}/draft", data=form, allow_redirects=False
        ) as response:
            assert response.status == 303, await response.text()
        status, body, _ = await coach.post(
            f"/app/programs/{program_id}/draft", {"source": linked.replace("Welcome.", "Hello.")}
        )
        assert status == 303  # the stored file is carried over without uploading it again
        status, body, _ = await coach.get(f"/app/programs/{program_id}")
        assert "<code>files/guide.pdf</code>" in body
    async with db.unit_of_work() as session:
        version = await versions.get_version(session, program_id)
        stored = await versions.version_resources(session, version.id, ["files/guide.pdf"])
        assert [r.content for r in stored] == [b"%PDF-1.4 guide"] and "Hello." in version.source
