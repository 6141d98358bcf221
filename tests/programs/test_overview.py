"""Programs as the workspace lists them, and who may open one."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.db import Database
from domain.services import coaches
from domain.services import program_versions as versions
from domain.services.program_overview import program_rows, version_rows, visible_program
from tests.programs.conftest import enroll_client
from tests.programs.example import EXAMPLE, INTERVALS_PDF


async def test_rows_count_versions_and_open_enrollments_per_coach(db: Database) -> None:
    enrolled = await enroll_client(db, started=datetime(2026, 12, 1, 8, tzinfo=UTC))
    async with db.unit_of_work() as s:
        await versions.save_draft(
            s, enrolled.program_id, EXAMPLE.replace("## Day 3:", "## Day 2:"), actor="coach:1"
        )
        bare = await coaches.create_program(
            s, coach_id=enrolled.coach_id, name="Bare", price_minor=0, currency="usd"
        )
        ben = await coaches.create_coach(s, name="Ben", email="ben@example.com")
        await versions.import_program(
            s, EXAMPLE, coach_id=ben.id, files={"files/intervals.pdf": INTERVALS_PDF}
        )
    async with db.sessions() as s:
        mine = await program_rows(s, coach_id=enrolled.coach_id)
        assert [
            (r.program.name, r.latest_version, r.latest_is_draft, r.published_version, r.enrolled)
            for r in mine
        ] == [
            ("Bare", None, False, None, 0),
            ("Couch to 5K", 2, True, 1, 1),
        ]
        everyone = await program_rows(s)
        assert [r.coach_name for r in everyone] == ["Ada", "Ada", "Ben"]
        assert [
            (v.version.number, v.version.status, v.steps, v.enrolled)
            for v in await version_rows(s, enrolled.program_id)
        ] == [
            (1, "published", 2, 1),
            (2, "draft", 2, 0),
        ]
        assert await visible_program(s, bare.id, coach_id=ben.id, is_admin=False) is None
        assert await visible_program(s, bare.id, coach_id=ben.id, is_admin=True) is not None
        assert await visible_program(s, bare.id, coach_id=enrolled.coach_id, is_admin=False) is not None
        assert await visible_program(s, 9999, coach_id=enrolled.coach_id, is_admin=True) is None
