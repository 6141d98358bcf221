"""Client goals: set, update progress, complete, archive."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.errors import NotFound, ValidationError
from domain.models import Goal
from domain.models.enums import GoalStatus
from domain.reasons.coaching import GoalProblems
from domain.services.clients import get_client

GOAL_TEXT_MAX_CHARS = 500


async def set_goal(
    session: AsyncSession,
    *,
    client_id: int,
    text: str,
    metric: str | None = None,
    target: float | None = None,
    unit: str | None = None,
    due_date: date | None = None,
    status: str = GoalStatus.ACTIVE,
    source: str = "client",
    today: date | None = None,
) -> Goal:
    await get_client(session, client_id)
    text = " ".join(text.split())
    if not text:
        raise ValidationError(GoalProblems.NO_WORDS(), field="text")
    if len(text) > GOAL_TEXT_MAX_CHARS:
        raise ValidationError(GoalProblems.TOO_LONG(most=GOAL_TEXT_MAX_CHARS), field="text")
    if target is not None and target <= 0:
        raise ValidationError(GoalProblems.TARGET_NOT_ABOVE_ZERO(), field="target")
    if due_date is not None and today is not None and due_date < today:
        raise ValidationError(GoalProblems.DUE_IN_THE_PAST(), field="due_date")
    goal = Goal(
        client_id=client_id,
        text=text,
        metric=metric,
        target=target,
        unit=unit,
        due_date=due_date,
        status=GoalStatus(status).value,
        source=source,
    )
    session.add(goal)
    await session.flush()
    return goal


class GoalIdea(Protocol):
    """A suggested SMART goal, whoever made it (a model or the computed templates)."""

    @property
    def text(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def target(self) -> float: ...
    @property
    def unit(self) -> str: ...
    @property
    def due_date(self) -> date: ...


async def add_goal_ideas(
    session: AsyncSession, client_id: int, ideas: Sequence[GoalIdea], *, status: GoalStatus
) -> list[Goal]:
    """Store suggested goals, not yet the client's own: ``proposed`` (for their coach to review) or
    ``suggested`` (offered to the client)."""
    return [
        await set_goal(
            session,
            client_id=client_id,
            text=idea.text,
            metric=idea.metric,
            target=idea.target,
            unit=idea.unit,
            due_date=idea.due_date,
            status=status,
            source="suggested",
        )
        for idea in ideas
    ]


async def get_goal(session: AsyncSession, goal_id: int, *, client_id: int | None = None) -> Goal:
    goal = await session.get(Goal, goal_id)
    if goal is None or (client_id is not None and goal.client_id != client_id):
        raise NotFound(GoalProblems.NO_GOAL(goal=goal_id))
    return goal


async def update_goal_progress(
    session: AsyncSession, goal_id: int, progress: int, *, client_id: int | None = None
) -> Goal:
    goal = await get_goal(session, goal_id, client_id=client_id)
    if goal.status not in (GoalStatus.ACTIVE, GoalStatus.SUGGESTED):
        raise ValidationError(GoalProblems.NOT_OPEN(), field="status")
    goal.progress = rules.check_scale("progress", progress, rules.PROGRESS_RANGE)
    if goal.progress == 100:
        goal.status = GoalStatus.DONE
    return goal


async def mark_goal_done(session: AsyncSession, goal_id: int, *, client_id: int | None = None) -> Goal:
    goal = await get_goal(session, goal_id, client_id=client_id)
    goal.status = GoalStatus.DONE
    goal.progress = 100
    return goal


async def archive_goal(session: AsyncSession, goal_id: int, *, client_id: int | None = None) -> Goal:
    goal = await get_goal(session, goal_id, client_id=client_id)
    goal.status = GoalStatus.ARCHIVED
    return goal


async def accept_goal(session: AsyncSession, goal_id: int, *, client_id: int | None = None) -> Goal:
    goal = await get_goal(session, goal_id, client_id=client_id)
    goal.status = GoalStatus.ACTIVE
    return goal


async def list_goals(
    session: AsyncSession, client_id: int, *, statuses: Sequence[str] | None = None
) -> Sequence[Goal]:
    query = select(Goal).where(Goal.client_id == client_id).order_by(Goal.id)
    if statuses is not None:
        query = query.where(Goal.status.in_(list(statuses)))
    return (await session.scalars(query)).all()
