"""Reading what insights need from the database, in few queries (a digest covers many clients)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc, time_zone
from domain.insights.facts import CheckInRow, ClientProfile
from domain.models import CheckIn, CheckInAnswer, Client, Coach, Goal
from domain.models.enums import ClientStatus, GoalStatus


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def profile_of(client: Client, goal_text: str | None = None) -> ClientProfile:
    assessment = client.assessment or {}
    level = assessment.get("activity_level")
    return ClientProfile(
        client_id=client.id,
        display_name=client.display_name,
        timezone=client.timezone,
        cadence=client.checkin_cadence,
        since=ensure_utc(client.created_at).astimezone(time_zone(client.timezone)).date(),
        goal_text=goal_text,
        focus_area=_text(assessment.get("focus_area")),
        obstacle=_text(assessment.get("obstacle")),
        activity_level=level if isinstance(level, int) and not isinstance(level, bool) else None,
    )


async def active_goal_texts(session: AsyncSession, client_ids: Sequence[int]) -> dict[int, str]:
    """The newest active goal of each client."""
    rows = await session.execute(
        select(Goal.client_id, Goal.text)
        .where(Goal.client_id.in_(list(client_ids)), Goal.status == GoalStatus.ACTIVE)
        .order_by(Goal.id)
    )
    return {client_id: text for client_id, text in rows}


async def check_in_rows(
    session: AsyncSession, client_ids: Sequence[int], *, since: datetime
) -> dict[int, list[CheckInRow]]:
    """Check-ins since ``since`` of every client named, oldest first, in one query."""
    found: dict[int, list[CheckInRow]] = defaultdict(list)
    if not client_ids:
        return found
    # Only the columns insights read, as plain rows: no ORM entities (identity map, every column,
    # attachments decrypted) for the thousands of check-ins of a whole roster.
    checks = (
        await session.execute(
            select(
                CheckIn.id,
                CheckIn.client_id,
                CheckIn.created_at,
                CheckIn.mood,
                CheckIn.energy,
                CheckIn.sleep_hours,
                CheckIn.adherence,
                CheckIn.goal_progress,
                CheckIn.note,
                CheckIn.note_language,
            )
            .where(CheckIn.client_id.in_(list(client_ids)), CheckIn.created_at >= since)
            .order_by(CheckIn.created_at, CheckIn.id)
        )
    ).all()
    answers: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    if checks:
        for check_in_id, key, value in await session.execute(
            select(CheckInAnswer.check_in_id, CheckInAnswer.key, CheckInAnswer.value)
            .join(CheckIn, CheckIn.id == CheckInAnswer.check_in_id)
            .where(CheckIn.client_id.in_(list(client_ids)), CheckIn.created_at >= since)
            .order_by(CheckInAnswer.id)
        ):
            answers[check_in_id].append((key, value.get("value")))
    for check_in_id, client_id, at, mood, energy, sleep_hours, adherence, progress, note, language in checks:
        found[client_id].append(
            CheckInRow(
                at=ensure_utc(at),
                mood=mood,
                energy=energy,
                sleep_hours=sleep_hours,
                adherence=adherence,
                goal_progress=progress,
                note=note,
                answers=tuple(answers.get(check_in_id, ())),
                note_language=language,
            )
        )
    return found


async def coach_clients(session: AsyncSession, coach_id: int) -> Sequence[Client]:
    """The clients a coach's digest covers: everyone not archived or inactive."""
    return (
        await session.scalars(
            select(Client)
            .where(Client.coach_id == coach_id, Client.status == ClientStatus.ACTIVE)
            .order_by(Client.id)
        )
    ).all()


async def clients_by_id(session: AsyncSession, client_ids: Sequence[int]) -> Sequence[Client]:
    """The clients with those ids (any order; unknown ids are left out)."""
    return (await session.scalars(select(Client).where(Client.id.in_(list(client_ids))))).all()


async def coach_locales(session: AsyncSession, coach_ids: Sequence[int]) -> dict[int, str]:
    """The language each coach reads computed summaries in (``coaches.locale``)."""
    if not coach_ids:
        return {}
    rows = await session.execute(select(Coach.id, Coach.locale).where(Coach.id.in_(set(coach_ids))))
    return {coach_id: locale for coach_id, locale in rows.all()}


async def client_coach_locale(session: AsyncSession, client_id: int) -> str | None:
    """The language of the client's coach (None without a coach)."""
    return (
        await session.execute(
            select(Coach.locale).join(Client, Client.coach_id == Coach.id).where(Client.id == client_id)
        )
    ).scalar_one_or_none()
