"""Coach-first review of AI goal suggestions, when the client's program says so (``goals_need_approval``).

The suggestions are stored as ``proposed`` goals, which the client never sees, and the client's coach
reviews each with Approve / Edit / Dismiss (on the client's page of the web workspace, and in Slack). An approved (or edited) one turns ``suggested`` and is
offered to the client, who may take it; a dismissed one is archived. So AI text reaches such a client
only after their coach has read it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound, ValidationError
from domain.insights.goals import GoalProposal, check_goal
from domain.models import Client, Coach, Enrollment, Goal, Program
from domain.models.enums import EnrollmentStatus, GoalStatus
from domain.reasons.coaching import GoalProblems
from domain.services.audit import record_audit_event
from domain.services.goals import GoalIdea, add_goal_ideas, get_goal, list_goals
from domain.services.notices import notify_coach
from domain.services.outbox import enqueue_for_client

GOAL_APPROVAL = "goal_approval"
"""The coach notice kind; the Slack app renders it with Approve / Edit / Dismiss buttons."""


@dataclass(frozen=True, slots=True)
class GoalOffer:
    """What a client is offered once their coach approves a goal idea: the goal as approved (its
    words as written), in the client's language (``locale``); the button takes ``/goals accept:<id>``."""

    goal_id: int
    goal: str
    locale: str = "en"

    @property
    def accept_command(self) -> str:
        return f"/goals accept:{self.goal_id}"


OfferRenderer = Callable[[GoalOffer], dict[str, Any]]
"""Words an offer as an outbox payload in the client's language (``conversations.flows.goals``): the
domain holds no client-facing text, so every caller passes one."""


AI_SOURCE = "ai"
"""``Goal.source`` of an idea a model wrote (computed ones keep ``suggested``)."""
_OPEN_ENROLLMENTS = (EnrollmentStatus.PENDING_PAYMENT, EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)


async def program_needs_approval(session: AsyncSession, program_id: int) -> bool:
    program = await session.get(Program, program_id)
    return bool(program is not None and program.goals_need_approval)


async def client_needs_approval(session: AsyncSession, client_id: int) -> bool:
    """True when any open enrollment of the client is in a program whose goals need approval."""
    found = await session.scalar(
        select(Program.id)
        .join(Enrollment, Enrollment.program_id == Program.id)
        .where(
            Enrollment.client_id == client_id,
            Enrollment.status.in_([s.value for s in _OPEN_ENROLLMENTS]),
            Program.goals_need_approval.is_(True),
        )
        .limit(1)
    )
    return found is not None


async def has_proposals_waiting(session: AsyncSession, client_id: int) -> bool:
    """True while some AI goal of the client still waits for their coach (no new batch till then)."""
    return bool(await list_goals(session, client_id, statuses=(GoalStatus.PROPOSED,)))


def _describe(goal: Goal) -> str:
    target = f" (target {goal.target:g} {goal.unit or ''})".rstrip() if goal.target else ""
    due = f", due {goal.due_date.isoformat()}" if goal.due_date else ""
    return f"{goal.text}{target}{due}"


async def propose_goals(
    session: AsyncSession, client_id: int, ideas: Sequence[GoalIdea], *, ai: bool
) -> list[Goal]:
    """Store ``ideas`` as ``proposed`` goals and send each to the client's coach for review; ``ai``
    says whether a model wrote them (the notice says so) or they were computed from templates.

    The coach reviews them in the web workspace (the client's page) or, when linked, in Slack, where
    each arrives as a notice. Returns nothing (and stores nothing) when the client has no coach:
    nobody could approve them, and they must not reach the client unreviewed.
    """
    client = await session.get(Client, client_id)
    coach = await session.get(Coach, client.coach_id) if client and client.coach_id else None
    if client is None or coach is None:
        return []
    origin = "AI-suggested goal" if ai else "Suggested goal (computed, not AI)"
    stored = await add_goal_ideas(session, client_id, ideas, status=GoalStatus.PROPOSED)
    for goal in stored:
        goal.source = AI_SOURCE if ai else goal.source  # the coach's review says who wrote it
        await notify_coach(
            session,
            coach_id=coach.id,
            kind=GOAL_APPROVAL,
            text=f"{origin} for {client.display_name}: {_describe(goal)}",
            client_id=client.id,
            data={"goal_id": goal.id},
            values={
                "ai": ai,
                "name": client.display_name,
                "goal": goal.text,
                "target": goal.target,
                "unit": goal.unit,
                "due": goal.due_date.isoformat() if goal.due_date else None,
            },
            dedupe_key=f"{GOAL_APPROVAL}:{goal.id}",
        )
    return stored


async def _waiting_goal(session: AsyncSession, goal_id: int, coach_id: int) -> tuple[Goal, Client]:
    goal = await get_goal(session, goal_id)
    client = await session.get(Client, goal.client_id)
    if client is None or client.coach_id != coach_id:
        raise NotFound(GoalProblems.NO_GOAL(goal=goal_id))
    if goal.status != GoalStatus.PROPOSED:
        raise ValidationError(GoalProblems.ALREADY_HANDLED(), field="status")
    return goal, client


async def approve_goal(
    session: AsyncSession,
    goal_id: int,
    *,
    coach_id: int,
    edit: GoalProposal | None = None,
    today: date | None = None,
    actor: str | None = None,
    render_offer: OfferRenderer,
) -> Goal:
    """The coach approves (optionally edited): the goal is offered to the client, once, worded by
    ``render_offer``.

    Raises ``NotFound`` for a goal that is not of one of this coach's clients, and ``ValidationError``
    when it is no longer waiting or the edit is not a valid goal.
    """
    goal, client = await _waiting_goal(session, goal_id, coach_id)
    if edit is not None:
        checked = check_goal(edit, today=today or date.today())
        goal.text, goal.metric, goal.target = checked.text, checked.metric, checked.target
        goal.unit, goal.due_date = checked.unit, checked.due_date
    goal.status = GoalStatus.SUGGESTED
    await record_audit_event(
        session,
        actor=actor or f"coach:{coach_id}",
        action="goal.approved",
        subject=f"goal:{goal.id}",
        details={"client_id": client.id, "edited": edit is not None},
    )
    await enqueue_for_client(
        session,
        client.id,
        render_offer(GoalOffer(goal.id, goal.text, client.locale)),
        dedupe_key=f"goal_offered:{goal.id}",
    )
    return goal


async def dismiss_goal(
    session: AsyncSession, goal_id: int, *, coach_id: int, actor: str | None = None
) -> Goal:
    """The coach turns an AI suggestion down: it is archived and the client never hears of it.
    ``actor`` (default the coach) is who did it, e.g. an admin acting for the client's coach."""
    goal, client = await _waiting_goal(session, goal_id, coach_id)
    goal.status = GoalStatus.ARCHIVED
    await record_audit_event(
        session,
        actor=actor or f"coach:{coach_id}",
        action="goal.dismissed",
        subject=f"goal:{goal.id}",
        details={"client_id": client.id},
    )
    return goal
