"""Demo data so a newcomer can talk to the bot at once: one coach, a free and a paid program."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Coach, Program
from domain.models.enums import Billing
from domain.services.coaches import create_coach, create_program, publish_program

DEMO_COACH_EMAIL = "demo.coach@example.com"


async def seed_demo(session: AsyncSession) -> tuple[Coach, bool]:
    """Create the demo coach and programs unless they exist. Returns the coach and whether it was created."""
    coach = await session.scalar(select(Coach).where(Coach.email == DEMO_COACH_EMAIL))
    if coach is not None:
        return coach, False
    coach = await create_coach(session, name="Dana Demo", email=DEMO_COACH_EMAIL)
    free = await create_program(
        session,
        coach_id=coach.id,
        name="Kickstart",
        price_minor=0,
        currency="usd",
        description="Two weeks of daily check-ins to build the habit.",
        duration_weeks=2,
    )
    paid = await create_program(
        session,
        coach_id=coach.id,
        name="Momentum coaching",
        price_minor=4900,
        currency="usd",
        billing=Billing.MONTHLY,
        description="Monthly 1:1 coaching with weekly reviews.",
        duration_weeks=12,
    )
    for program in (free, paid):
        await publish_program(session, program.id)
    return coach, True


async def database_is_empty(session: AsyncSession) -> bool:
    coaches = await session.scalar(select(func.count()).select_from(Coach))
    programs = await session.scalar(select(func.count()).select_from(Program))
    return not coaches and not programs
