"""A coach with an imported, published program and an enrolled client, at chosen instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.db import Database
from domain.models import Enrollment
from domain.services import clients, coaches, enrollments
from domain.services import program_versions as versions
from tests.programs.example import EXAMPLE, INTERVALS_PDF


@dataclass(frozen=True)
class Enrolled:
    coach_id: int
    program_id: int
    client_id: int
    enrollment_id: int


async def enroll_client(
    db: Database,
    *,
    started: datetime,
    text: str = EXAMPLE,
    price: str = "0",
    timezone: str = "Europe/Berlin",
    checkin_time: str = "08:00",
    user: str = "7",
) -> Enrolled:
    """The example program (free unless ``price``) and a client on console:``user`` who enrolled at
    ``started`` (and, when free, started then)."""
    async with db.unit_of_work() as session:
        coach = await coaches.default_coach(session) or await coaches.create_coach(
            session, name="Ada", email="ada@example.com", slack_user_id="UADA"
        )
        program_text = text.replace("price: 49.00", f"price: {price}")
        imported = await versions.import_program(
            session, program_text, coach_id=coach.id, files={"files/intervals.pdf": INTERVALS_PDF}
        )
        if not (await coaches.get_program(session, imported.program_id)).published:
            await versions.publish(session, imported.program_id, note="First edition")
        client = await clients.register_client(
            session,
            platform="console",
            external_user_id=user,
            chat_id=f"chat-{user}",
            display_name="Sam",
            coach_id=coach.id,
            timezone=timezone,
        )
        client.checkin_time = checkin_time
        enrollment = await enrollments.enroll(session, client_id=client.id, program_id=imported.program_id)
        enrollment.created_at = started
        if enrollment.activated_at is not None:
            enrollment.activated_at = started
        return Enrolled(coach.id, imported.program_id, client.id, enrollment.id)


async def activate(db: Database, enrollment_id: int, at: datetime) -> None:
    async with db.unit_of_work() as session:
        enrollment = await enrollments.change_enrollment_status(session, enrollment_id, "active")
        enrollment.activated_at = at


async def enrollment_status(db: Database, enrollment_id: int) -> str:
    async with db.unit_of_work() as session:
        found = await session.get(Enrollment, enrollment_id)
        assert found is not None
        return found.status
