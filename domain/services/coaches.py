"""Coaches and their programs."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.errors import NotFound, ValidationError
from domain.models import Coach, Program
from domain.models.enums import Billing, Cadence, CoachRole
from domain.reasons.coaching import CoachProblems
from domain.services.audit import record_audit_event

DEFAULT_ASSESSMENT: list[dict[str, Any]] = [
    {
        "key": "activity_level",
        "kind": "scale",
        "min": 1,
        "max": 5,
        "question": "How active are you today, from 1 (hardly) to 5 (very)?",
    },
    {
        "key": "focus_area",
        "kind": "choice",
        "choices": ["Fitness", "Nutrition", "Sleep", "Stress", "Career"],
        "question": "Which area do you want to focus on?",
    },
    {"key": "obstacle", "kind": "text", "question": "What is your biggest obstacle right now?"},
]


def new_invite_code() -> str:
    return secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")


def check_role(role: str) -> CoachRole:
    try:
        return CoachRole(role)
    except ValueError:
        raise ValidationError(CoachProblems.ROLE(), field="role") from None


async def create_coach(
    session: AsyncSession,
    *,
    name: str,
    email: str,
    slack_user_id: str | None = None,
    timezone: str = "UTC",
    role: str = CoachRole.COACH,
    actor: str = "admin",
) -> Coach:
    email = rules.check_email(email)
    if await session.scalar(select(Coach.id).where(Coach.email == email)) is not None:
        raise ValidationError(CoachProblems.EMAIL_TAKEN(email=email), field="email")
    if slack_user_id and await session.scalar(select(Coach.id).where(Coach.slack_user_id == slack_user_id)):
        raise ValidationError(CoachProblems.SLACK_TAKEN(user=slack_user_id), field="slack_user_id")
    has_default = await session.scalar(select(Coach.id).where(Coach.is_default.is_(True)))
    coach = Coach(
        name=rules.check_name(name),
        email=email,
        slack_user_id=slack_user_id or None,
        timezone=rules.check_timezone(timezone),
        invite_code=new_invite_code(),
        is_default=has_default is None,
        role=check_role(role),
    )
    session.add(coach)
    await session.flush()
    await record_audit_event(
        session,
        actor=actor,
        action="coach.created",
        subject=f"coach:{coach.id}",
        details={"role": coach.role},
    )
    return coach


async def set_coach_role(
    session: AsyncSession, coach_id: int, role: str, *, actor: str = "operator"
) -> Coach:
    """Makes a coach an admin or a coach; refuses to demote the last admin while others are coaches."""
    new_role = check_role(role)
    coach = await get_coach(session, coach_id)
    if coach.role == CoachRole.ADMIN and new_role != CoachRole.ADMIN:
        admins = await session.scalar(select(func.count(Coach.id)).where(Coach.role == CoachRole.ADMIN))
        if (admins or 0) <= 1:
            raise ValidationError(CoachProblems.ONLY_ADMIN(), field="role")
    previous, coach.role = coach.role, new_role
    await session.flush()
    await record_audit_event(
        session,
        actor=actor,
        action="coach.role_changed",
        subject=f"coach:{coach.id}",
        details={"from": previous, "to": coach.role},
    )
    return coach


async def set_coach_locale(
    session: AsyncSession, coach_id: int, locale: str, *, actor: str = "operator"
) -> Coach:
    """The language a coach reads what is drawn for them in (charts, computed summaries)."""
    coach = await get_coach(session, coach_id)
    previous, coach.locale = coach.locale, rules.check_locale(locale.strip().lower())
    await session.flush()
    await record_audit_event(
        session,
        actor=actor,
        action="coach.locale_set",
        subject=f"coach:{coach.id}",
        details={"from": previous, "to": coach.locale},
    )
    return coach


async def get_coach(session: AsyncSession, coach_id: int) -> Coach:
    coach = await session.get(Coach, coach_id)
    if coach is None:
        raise NotFound(CoachProblems.NO_COACH(coach=coach_id))
    return coach


async def list_coaches(session: AsyncSession) -> Sequence[Coach]:
    return (await session.scalars(select(Coach).order_by(Coach.id))).all()


async def find_coach_by_invite(session: AsyncSession, invite_code: str) -> Coach | None:
    return await session.scalar(select(Coach).where(Coach.invite_code == invite_code))


async def find_coach_by_slack_user(session: AsyncSession, slack_user_id: str) -> Coach | None:
    return await session.scalar(select(Coach).where(Coach.slack_user_id == slack_user_id))


async def find_coach_by_slack_target(session: AsyncSession, target: str) -> Coach | None:
    """The coach who reads ``target``: their Slack user (the DM with the app) or their channel."""
    return await session.scalar(
        select(Coach).where(or_(Coach.slack_user_id == target, Coach.slack_channel_id == target)).limit(1)
    )


async def default_coach(session: AsyncSession) -> Coach | None:
    """The coach a client without an invite code belongs to: the single or the default one."""
    coach = await session.scalar(select(Coach).where(Coach.is_default.is_(True)).order_by(Coach.id))
    return coach or await session.scalar(select(Coach).order_by(Coach.id).limit(1))


async def create_program(
    session: AsyncSession,
    *,
    coach_id: int,
    name: str,
    price_minor: int,
    currency: str,
    billing: str = Billing.ONE_OFF,
    duration_weeks: int | None = None,
    description: str = "",
    checkin_cadence: str = Cadence.DAILY,
    assessment_questions: list[dict[str, Any]] | None = None,
    goals_need_approval: bool = False,
) -> Program:
    await get_coach(session, coach_id)
    price_minor, currency = rules.check_money(price_minor, currency)
    if duration_weeks is not None and not 1 <= duration_weeks <= 520:
        raise ValidationError(CoachProblems.PROGRAM_WEEKS(), field="weeks")
    program = Program(
        coach_id=coach_id,
        name=rules.check_name(name),
        description=description,
        price_minor=price_minor,
        currency=currency,
        billing=rules.check_billing(billing),
        duration_weeks=duration_weeks,
        checkin_cadence=rules.check_cadence(checkin_cadence),
        assessment_questions=assessment_questions if assessment_questions is not None else DEFAULT_ASSESSMENT,
        goals_need_approval=goals_need_approval,
    )
    if program.billing == Billing.MONTHLY and program.price_minor == 0:
        raise ValidationError(CoachProblems.MONTHLY_NEEDS_PRICE(), field="price")
    session.add(program)
    await session.flush()
    return program


async def get_program(session: AsyncSession, program_id: int) -> Program:
    program = await session.get(Program, program_id)
    if program is None:
        raise NotFound(CoachProblems.NO_PROGRAM(program=program_id))
    return program


async def publish_program(session: AsyncSession, program_id: int) -> Program:
    program = await get_program(session, program_id)
    program.published = True
    await record_audit_event(
        session, actor="admin", action="program.published", subject=f"program:{program.id}"
    )
    return program


async def list_programs(
    session: AsyncSession, *, coach_id: int | None = None, published_only: bool = False
) -> Sequence[Program]:
    query = select(Program).order_by(Program.id)
    if coach_id is not None:
        query = query.where(Program.coach_id == coach_id)
    if published_only:
        query = query.where(Program.published.is_(True))
    return (await session.scalars(query)).all()
