"""Coach approval of AI-suggested goals, when the client's program says so (``goals_need_approval``).

A goal the client picked from the suggestions stays ``suggested`` until their own coach approves it
(as is, or edited) from Slack; only then does it become active and is the client told. So AI text
reaches a client as a commitment only after a coach has seen it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound, ValidationError
from domain.insights.goals import GoalProposal, check_goal
from domain.models import Client, Enrollment, Goal, Program
from domain.models.enums import EnrollmentStatus, GoalStatus
from domain.services.audit import record_audit_event
from domain.services.goals import accept_goal, get_goal
from domain.services.notices import notify_coach
from domain.services.outbox import enqueue_for_client

GOAL_APPROVAL = "goal_approval"
"""The coach notice kind; the Slack app renders it with Approve / Edit buttons."""
WAITING_FOR_COACH = "Your coach will look at '{goal}' first; I'll let you know when it's approved."
APPROVED = "Your coach approved your goal: '{goal}'. Let's go!"
APPROVED_EDITED = "Your coach approved your goal, with a few changes: '{goal}'. Let's go!"
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


async def request_approval(session: AsyncSession, goal: Goal) -> bool:
    """Ask the client's coach to approve ``goal`` (kept ``suggested``); False when there is no coach.

    A repeated tap by the client asks once (the notice is deduplicated per goal).
    """
    client = await session.get(Client, goal.client_id)
    if client is None or client.coach_id is None:
        return False
    due = f", due {goal.due_date.isoformat()}" if goal.due_date else ""
    target = f" (target {goal.target:g} {goal.unit or ''})".rstrip() if goal.target else ""
    await notify_coach(
        session,
        coach_id=client.coach_id,
        kind=GOAL_APPROVAL,
        text=f"{client.display_name} picked an AI-suggested goal: {goal.text}{target}{due}",
        client_id=client.id,
        data={"goal_id": goal.id},
        dedupe_key=f"{GOAL_APPROVAL}:{goal.id}",
    )
    return True


async def approve_goal(
    session: AsyncSession,
    goal_id: int,
    *,
    coach_id: int,
    edit: GoalProposal | None = None,
    today: date | None = None,
) -> Goal:
    """The coach approves (optionally edited): the goal turns active and the client is told, once.

    Raises ``NotFound`` for a goal that is not of one of this coach's clients, and ``ValidationError``
    when it is no longer waiting or the edit is not a valid goal.
    """
    goal = await get_goal(session, goal_id)
    client = await session.get(Client, goal.client_id)
    if client is None or client.coach_id != coach_id:
        raise NotFound(f"no goal with id {goal_id}")
    if goal.status != GoalStatus.SUGGESTED:
        raise ValidationError("this goal was already handled", field="status")
    if edit is not None:
        checked = check_goal(edit, today=today or date.today())
        goal.text, goal.metric, goal.target = checked.text, checked.metric, checked.target
        goal.unit, goal.due_date = checked.unit, checked.due_date
    await accept_goal(session, goal_id, client_id=client.id)
    await record_audit_event(
        session,
        actor=f"coach:{coach_id}",
        action="goal.approved",
        subject=f"goal:{goal.id}",
        details={"client_id": client.id, "edited": edit is not None},
    )
    text = (APPROVED_EDITED if edit is not None else APPROVED).format(goal=goal.text)
    await enqueue_for_client(
        session,
        client.id,
        {"text": text, "buttons": [], "url_buttons": [], "files": []},
        dedupe_key=f"goal_approved:{goal.id}",
    )
    return goal
