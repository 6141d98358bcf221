"""Releasing due steps: one ``step_releases`` row and one outbox message per (enrollment, step), in one
transaction.

Exactly once: the release row is unique per enrollment and step title, and the message's outbox dedupe
key names the enrollment and the step, so neither a second worker nor a tick repeated after a crash can
deliver a step twice; a tick that dies before its commit leaves nothing, and the next tick releases
the step then. Completion (last step done, or the program's weeks over) is checked on the same pass.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc
from domain.models import ProgramStep, StepRelease
from domain.program_delivery.candidates import decide, open_enrollments
from domain.services.outbox import enqueue_for_client
from domain.services.program_progress import (
    CompletionRenderer,
    StepRenderer,
    complete_if_finished,
    load_state,
    step_content,
)
from domain.services.unique_rows import insert_unless_taken

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    enrollment_id: int
    client_id: int
    what: str  # "step" or "completed"
    detail: str


def step_dedupe_key(enrollment_id: int, key: str) -> str:
    # Outbox keys hold 200 characters; a title has at most 120, and ids are short.
    return f"program_step:{enrollment_id}:{key}"[:200]


async def deliver_due_steps(
    session: AsyncSession,
    *,
    now: datetime,
    render_step: StepRenderer,
    render_completion: CompletionRenderer,
) -> list[DeliveryOutcome]:
    """Release every step due at ``now`` (at most one per enrollment) and complete finished enrollments,
    in the caller's transaction."""
    now = ensure_utc(now)
    outcomes: list[DeliveryOutcome] = []
    cache: dict[int, Sequence[ProgramStep]] = {}
    for enrollment, progress in await open_enrollments(session, lock=True):
        try:
            candidate = await decide(session, enrollment, progress, now=now, steps_cache=cache)
            state, decision = candidate.state, candidate.decision
            if decision.send and decision.index is not None:
                step = state.steps[decision.index]
                released = await insert_unless_taken(
                    session,
                    StepRelease,
                    {
                        "enrollment_id": state.enrollment_id,
                        "step_key": step.key,
                        "title": step.title,
                        "day": step.day,
                        "released_at": now,
                    },
                    unique=("enrollment_id", "step_key"),
                )
                if not released:
                    continue  # another worker released it first
                content = await step_content(session, state, step, with_files=True)
                await enqueue_for_client(
                    session,
                    state.client_id,
                    render_step(content),
                    dedupe_key=step_dedupe_key(state.enrollment_id, step.key),
                )
                outcomes.append(DeliveryOutcome(state.enrollment_id, state.client_id, "step", decision.why))
                state = await load_state(
                    session, enrollment, progress, now=now, steps=cache[progress.version_id]
                )
            if await complete_if_finished(session, state, now=now, completion=render_completion):
                outcomes.append(
                    DeliveryOutcome(state.enrollment_id, state.client_id, "completed", state.program)
                )
        except Exception:
            # Without savepoints (SQLite would commit one early) a failure ends the whole tick: its
            # transaction rolls back and the next tick tries again.
            log.exception("program delivery for enrollment %s failed", enrollment.id)
            raise
    return outcomes
