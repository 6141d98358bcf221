"""What the language model cost: calls and tokens, from ``llm_usage``. One function per metric."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.scope import Period, Scope
from domain.analytics.sqltime import dialect_of, utc_day
from domain.models import LlmUsage, Program


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    """Usage is recorded per coach: a program's is its coach's."""
    if scope.program_id is not None:
        return LlmUsage.coach_id.in_(select(Program.coach_id).where(Program.id == scope.program_id))
    if scope.coach_id is not None:
        return LlmUsage.coach_id == scope.coach_id
    return LlmUsage.id.is_not(None)


def _in_period(period: Period) -> ColumnElement[bool]:
    return (LlmUsage.at >= period.start) & (LlmUsage.at < period.end)


async def llm_calls(session: AsyncSession, scope: Scope, period: Period) -> int:
    """Calls to the language model during the period (a program counts its coach's)."""
    found = await session.scalar(select(func.count(LlmUsage.id)).where(_in_scope(scope), _in_period(period)))
    return int(found or 0)


async def llm_tokens(session: AsyncSession, scope: Scope, period: Period) -> int:
    """Prompt plus completion tokens used by the language model during the period (a program counts its coach's)."""
    found = await session.scalar(
        select(func.sum(LlmUsage.prompt_tokens + LlmUsage.completion_tokens)).where(
            _in_scope(scope), _in_period(period)
        )
    )
    return int(found or 0)


@dataclass(frozen=True, slots=True)
class DailyUsage:
    coach_id: int | None
    day: str
    calls: int
    tokens: int


async def llm_usage_by_coach_and_day(session: AsyncSession, scope: Scope, period: Period) -> list[DailyUsage]:
    """Calls and tokens per coach and UTC day of the period, summed in the database."""
    day = utc_day(LlmUsage.at, dialect_of(session))
    rows = await session.execute(
        select(
            LlmUsage.coach_id,
            day,
            func.count(LlmUsage.id),
            func.sum(LlmUsage.prompt_tokens + LlmUsage.completion_tokens),
        )
        .where(_in_scope(scope), _in_period(period))
        .group_by(LlmUsage.coach_id, day)
        .order_by(LlmUsage.coach_id, day)
    )
    return [DailyUsage(coach_id, str(d), int(calls), int(tokens or 0)) for coach_id, d, calls, tokens in rows]
