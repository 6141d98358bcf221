"""Answers to a program's own check-in questions, stored generically: key, type and a typed JSON value."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.models import CheckInAnswer, Enrollment, EnrollmentProgress, ProgramVersion
from domain.models.enums import EnrollmentStatus
from domain.programs.questions import Question, check_answer

_ANSWERS = cast(Table, CheckInAnswer.__table__)


async def program_checkin_questions(session: AsyncSession, client_id: int) -> list[Question]:
    """The check-in questions of the program version the client follows (active enrollment first)."""
    rows = (
        await session.execute(
            select(Enrollment.status, ProgramVersion.checkin_questions)
            .join(EnrollmentProgress, EnrollmentProgress.enrollment_id == Enrollment.id)
            .join(ProgramVersion, ProgramVersion.id == EnrollmentProgress.version_id)
            .where(
                Enrollment.client_id == client_id,
                Enrollment.status.in_(
                    [EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED, EnrollmentStatus.PENDING_PAYMENT]
                ),
            )
            .order_by(Enrollment.id.desc())
        )
    ).all()
    if not rows:
        return []
    chosen = next((q for status, q in rows if status == EnrollmentStatus.ACTIVE), rows[0][1])
    return [Question.from_dict(q) for q in chosen or []]


def answer_rows(
    *, check_in_id: int, client_id: int, questions: Sequence[Question], answers: dict[str, Any], at: datetime
) -> list[dict[str, Any]]:
    """One row per answered question, each value checked again by its question's type."""
    rows = []
    for question in questions:
        if question.key not in answers:
            continue
        value = answers[question.key]
        check_answer(question, str(value).lower() if isinstance(value, bool) else str(value))
        rows.append(
            {
                "check_in_id": check_in_id,
                "client_id": client_id,
                "key": question.key,
                "question": question.ask,
                "kind": question.type.value,
                "value": {"value": value},
                "created_at": at,
            }
        )
    return rows


async def insert_checkin_answers(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Every answer of a batch of check-ins in one INSERT."""
    if rows:
        await conn.execute(insert(_ANSWERS), list(rows))


async def answers_between(
    session: AsyncSession, client_ids: Sequence[int], start: datetime, end: datetime
) -> list[CheckInAnswer]:
    """Answers given in ``[start, end)`` by these clients, oldest first (digests, weekly summaries)."""
    if not client_ids:
        return []
    return list(
        (
            await session.scalars(
                select(CheckInAnswer)
                .where(
                    CheckInAnswer.client_id.in_(client_ids),
                    CheckInAnswer.created_at >= start,
                    CheckInAnswer.created_at < end,
                )
                .order_by(CheckInAnswer.created_at, CheckInAnswer.id)
            )
        ).all()
    )
