"""Program completion as analytics count it: an enrollment completed when its last step's tasks are
done ends at that instant, and the period containing it counts it as completed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from domain.analytics.outcomes import program_completion_rate
from domain.analytics.scope import Period, Scope
from domain.db import Database
from domain.models import Enrollment
from tests.programs.test_stats import NOW, scenario

FINISHED = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)  # Ann ticks the last task of the last step


async def test_completing_the_last_step_ends_the_enrollment_then(db: Database) -> None:
    program_id = await scenario(db)
    async with db.unit_of_work() as session:
        ended = (
            await session.scalars(select(Enrollment.ended_at).where(Enrollment.status == "completed"))
        ).all()
        assert ended == [FINISHED]
        scope = Scope(program_id=program_id)
        assert (
            await program_completion_rate(
                session, scope, Period.between(date(2026, 3, 12), date(2026, 3, 12), now=NOW)
            )
            == 100.0
        )
        # Nothing ended the day before: no rate rather than 0 %.
        assert (
            await program_completion_rate(
                session, scope, Period.between(date(2026, 3, 11), date(2026, 3, 11), now=NOW)
            )
            is None
        )
