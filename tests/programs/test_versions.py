"""Program versions: import as a draft, publish (immutable), export byte for byte, migrate enrollments."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conversations.flows.program import render_update
from domain.db import Database
from domain.errors import NotFound, ValidationError
from domain.models import EnrollmentProgress, OutboundMessage, Program, ProgramResource, StepRelease, TaskTick
from domain.programs import ProgramFormatError
from domain.services import clients, coaches, enrollments
from domain.services import program_versions as versions
from tests.programs.example import EXAMPLE, INTERVALS_PDF

FILES = {"files/intervals.pdf": INTERVALS_PDF}
V2 = EXAMPLE.replace("## Day 3: First intervals", "## Day 2: First intervals").replace(
    "- [ ] Put your shoes by the door\n", "- [ ] Put your shoes by the door\n- [ ] Stretch\n"
)


async def _coach(db: Database) -> int:
    async with db.unit_of_work() as session:
        return (await coaches.create_coach(session, name="Ada", email="ada@example.com")).id


async def _import(db: Database, text: str = EXAMPLE, **kwargs: object) -> versions.ImportResult:
    async with db.unit_of_work() as session:
        return await versions.import_program(session, text, files=FILES, **kwargs)  # type: ignore[arg-type]


async def _publish(db: Database, program_id: int, note: str | None = None) -> None:
    async with db.unit_of_work() as session:
        await versions.publish(session, program_id, note=note)


async def test_import_creates_a_draft_program_then_replaces_its_draft(db: Database) -> None:
    await _coach(db)
    first = await _import(db)
    assert (first.created_program, first.version_number, first.steps, first.resources) == (True, 1, 2, 1)
    again = await _import(db, V2)
    assert (again.program_id, again.created_program, again.replaced_draft, again.version_number) == (
        first.program_id,
        False,
        True,
        1,
    )
    async with db.unit_of_work() as session:
        program = await coaches.get_program(session, first.program_id)
        assert not program.published and program.price_minor == 4900 and program.duration_weeks == 6
        steps = await versions.version_steps(session, (await versions.get_version(session, program.id)).id)
        assert [(s.day, s.title, len(s.tasks)) for s in steps] == [
            (1, "Welcome", 3),
            (2, "First intervals", 1),
        ]
        resource = await session.scalar(select(ProgramResource))
        assert resource is not None and resource.content == INTERVALS_PDF
        assert (resource.file_name, resource.mime_type) == ("intervals.pdf", "application/pdf")


async def test_publish_freezes_the_version_and_makes_its_settings_the_programs(db: Database) -> None:
    await _coach(db)
    program_id = (await _import(db)).program_id
    await _publish(db, program_id, note="First edition")
    async with db.unit_of_work() as session:
        program = await coaches.get_program(session, program_id)
        assert program.published and program.checkin_cadence == "daily"
        assert program.assessment_questions[-1] == {
            "key": "longest_run",
            "kind": "number",
            "question": "What is the longest you have run recently, in minutes?",
        }
        with pytest.raises(ValidationError, match="already published"):
            await versions.publish(session, program_id)
    second = await _import(db, V2.replace("price: 49.00", "price: 59,00"))
    assert (second.version_number, second.replaced_draft) == (2, False)
    async with db.unit_of_work() as session:
        assert (await coaches.get_program(session, program_id)).price_minor == 4900  # until published
    await _publish(db, program_id, note="Intervals a day earlier")
    async with db.unit_of_work() as session:
        listed = await versions.list_versions(session, program_id)
        assert [(v.number, v.status, v.publish_note) for v in listed] == [
            (1, "published", "First edition"),
            (2, "published", "Intervals a day earlier"),
        ]
        assert (await coaches.get_program(session, program_id)).price_minor == 5900


async def test_export_gives_back_each_version_byte_for_byte(db: Database) -> None:
    await _coach(db)
    program_id = (await _import(db)).program_id
    await _publish(db, program_id)
    await _import(db, V2)
    async with db.unit_of_work() as session:
        assert await versions.export_program(session, program_id, 1) == EXAMPLE
        assert await versions.export_program(session, program_id) == V2
        with pytest.raises(NotFound):
            await versions.export_program(session, program_id, 3)


async def test_a_program_without_content_exports_its_settings(db: Database) -> None:
    coach_id = await _coach(db)
    async with db.unit_of_work() as session:
        program = await coaches.create_program(
            session, coach_id=coach_id, name="Plain", price_minor=1000, currency="eur"
        )
        text = await versions.export_program(session, program.id)
        assert "name: Plain\n" in text and "price: 10.00\n" in text and "currency: eur\n" in text
        # Publishing such a program works as it always did.
        published, version = await versions.publish(session, program.id)
        assert published.published and version is None


async def test_a_missing_or_oversized_file_is_reported_with_its_line(db: Database) -> None:
    await _coach(db)
    async with db.unit_of_work() as session:
        with pytest.raises(
            ProgramFormatError, match=r"line 27: files/intervals\.pdf is not beside the program file"
        ):
            await versions.import_program(session, EXAMPLE, files={})
        with pytest.raises(ProgramFormatError, match=r"line 27: files/intervals\.pdf is over 10 MB"):
            await versions.import_program(
                session, EXAMPLE, files={"files/intervals.pdf": b"x" * (versions.RESOURCE_MAX_BYTES + 1)}
            )
        assert await session.scalar(select(Program.id)) is None


async def test_enrolled_clients_stay_on_their_version_until_migrated_keeping_progress_by_title(
    db: Database,
) -> None:
    coach_id = await _coach(db)
    program_id = (await _import(db, EXAMPLE.replace("price: 49.00", "price: 0"))).program_id
    await _publish(db, program_id)
    async with db.unit_of_work() as session:
        client = await clients.register_client(
            session,
            platform="console",
            external_user_id="7",
            chat_id="7",
            display_name="Sam",
            coach_id=coach_id,
        )
        enrollment = await enrollments.enroll(session, client_id=client.id, program_id=program_id)
        session.add(StepRelease(enrollment_id=enrollment.id, step_key="welcome", title="Welcome", day=1))
        session.add(
            TaskTick(enrollment_id=enrollment.id, step_key="welcome", task="Put your shoes by the door")
        )
        enrollment_id = enrollment.id
    await _import(db, V2.replace("price: 49.00", "price: 0"))
    await _publish(db, program_id, note="Intervals a day earlier")
    async with db.unit_of_work() as session:
        progress = await session.scalar(select(EnrollmentProgress))
        assert progress is not None
        v1 = await versions.get_version(session, program_id, 1)
        assert progress.version_id == v1.id  # publishing alone moves nobody
        with pytest.raises(ValidationError, match="draft"):
            await _import_draft_and_migrate(session, program_id)
    async with db.unit_of_work() as session:
        result = await versions.migrate_enrollments(
            session, program_id, to_version=2, render_update=render_update
        )
        assert (result.moved, result.notified) == (1, 1)
        again = await versions.migrate_enrollments(
            session, program_id, to_version=2, render_update=render_update
        )
        assert again.moved == 0
    async with db.unit_of_work() as session:
        progress = await session.scalar(select(EnrollmentProgress))
        v2 = await versions.get_version(session, program_id, 2)
        assert progress is not None and progress.version_id == v2.id
        # Progress is kept by title: the released step and the ticked task still count.
        assert (
            await session.scalar(
                select(StepRelease.step_key).where(StepRelease.enrollment_id == enrollment_id)
            )
            == "welcome"
        )
        assert await session.scalar(select(TaskTick.task)) == "Put your shoes by the door"
        notes = (await session.scalars(select(OutboundMessage))).all()
        assert len(notes) == 1
        assert notes[0].payload["text"] == (
            "Your program Couch to 5K has been updated (version 2). What changed: Intervals a day earlier"
        )


async def _import_draft_and_migrate(session: object, program_id: int) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    await versions.import_program(session, EXAMPLE.replace("price: 49.00", "price: 0"), files=FILES)
    await versions.migrate_enrollments(session, program_id, to_version=3, render_update=render_update)


async def test_editing_in_place_keeps_the_program_and_its_files_even_when_renamed(db: Database) -> None:
    await _coach(db)
    first = await _import(db)
    await _publish(db, first.program_id)
    renamed = V2.replace("name: Couch to 5K", "name: Couch to 5K, gently")
    async with db.unit_of_work() as session:
        edited = await versions.save_draft(session, first.program_id, renamed, actor="coach:1")
    assert (edited.program_id, edited.version_number, edited.created_program, edited.resources) == (
        first.program_id,
        2,
        False,
        1,
    )
    async with db.unit_of_work() as session:
        draft = await versions.get_version(session, first.program_id)
        assert draft.status == versions.DRAFT and draft.name == "Couch to 5K, gently"
        resource = await session.scalar(select(ProgramResource).where(ProgramResource.version_id == draft.id))
        assert resource is not None and resource.content == INTERVALS_PDF
        other = await coaches.create_program(session, coach_id=1, name="Other", price_minor=0, currency="usd")
        with pytest.raises(ValidationError, match="another program of this coach is named"):
            without_files = EXAMPLE.replace("[Interval guide](files/intervals.pdf)", "")  # named Couch to 5K
            await versions.save_draft(session, other.id, without_files, actor="coach:1")
