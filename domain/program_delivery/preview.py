"""``coach programs deliveries --at``: who gets which step in a given minute, and why (or why not)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc
from domain.models import ProgramStep
from domain.program_delivery.candidates import decide, open_enrollments


@dataclass(frozen=True, slots=True)
class StepDelivery:
    at: datetime
    client: str
    enrollment_id: int
    program: str
    step: str
    would_send: bool
    why: str


async def deliveries_at(session: AsyncSession, at: datetime) -> list[StepDelivery]:
    """Every enrollment whose next step falls in the minute starting at ``at``, with what would happen."""
    start = ensure_utc(at).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=1)
    cache: dict[int, Sequence[ProgramStep]] = {}
    found: list[StepDelivery] = []
    for enrollment, progress in await open_enrollments(session):
        candidate = await decide(session, enrollment, progress, now=start, steps_cache=cache)
        decision = candidate.decision
        if decision.index is None or decision.at is None or not start <= decision.at < end:
            continue
        step = candidate.state.steps[decision.index]
        found.append(
            StepDelivery(
                decision.at,
                f"client:{candidate.state.client_id}",
                enrollment.id,
                candidate.state.program,
                f"day {step.day}: {step.title}",
                decision.send,
                decision.why,
            )
        )
    return sorted(found, key=lambda d: (d.at, d.client))
