"""Programs as the workspace lists them: who owns each, its versions and how many clients follow it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Coach, Enrollment, Program, ProgramResource, ProgramStep, ProgramVersion
from domain.services.program_versions import OPEN_STATUSES, PUBLISHED, enrolled_counts, list_versions


@dataclass(frozen=True, slots=True)
class ProgramRow:
    program: Program
    coach_name: str
    latest_version: int | None
    """The newest version's number (a draft or published); None for a program without content."""
    latest_is_draft: bool
    published_version: int | None
    """What new enrollments follow; None until a version is published."""
    enrolled: int
    """Open enrollments (to pay, active or paused)."""


@dataclass(frozen=True, slots=True)
class VersionRow:
    version: ProgramVersion
    steps: int
    enrolled: int


async def visible_program(
    session: AsyncSession, program_id: int, *, coach_id: int, is_admin: bool
) -> Program | None:
    """The program when this coach may see it (their own; an admin every one), else None: the caller
    answers a missing program and someone else's alike."""
    program = await session.get(Program, program_id)
    if program is None or not (is_admin or program.coach_id == coach_id):
        return None
    return program


async def program_rows(session: AsyncSession, *, coach_id: int | None = None) -> list[ProgramRow]:
    """Every program of ``coach_id`` (all coaches' when None), by coach then name."""
    latest = (
        select(ProgramVersion.program_id, func.max(ProgramVersion.number).label("number"))
        .group_by(ProgramVersion.program_id)
        .subquery()
    )
    published = (
        select(ProgramVersion.program_id, func.max(ProgramVersion.number).label("number"))
        .where(ProgramVersion.status == PUBLISHED)
        .group_by(ProgramVersion.program_id)
        .subquery()
    )
    enrolled = (
        select(Enrollment.program_id, func.count().label("n"))
        .where(Enrollment.status.in_(OPEN_STATUSES))
        .group_by(Enrollment.program_id)
        .subquery()
    )
    query = (
        select(Program, Coach.name, latest.c.number, published.c.number, enrolled.c.n)
        .join(Coach, Coach.id == Program.coach_id)
        .outerjoin(latest, latest.c.program_id == Program.id)
        .outerjoin(published, published.c.program_id == Program.id)
        .outerjoin(enrolled, enrolled.c.program_id == Program.id)
        .order_by(Coach.name, Program.name, Program.id)
    )
    if coach_id is not None:
        query = query.where(Program.coach_id == coach_id)
    return [
        ProgramRow(
            program=program,
            coach_name=coach_name,
            latest_version=latest_number,
            latest_is_draft=latest_number is not None and latest_number != published_number,
            published_version=published_number,
            enrolled=int(count or 0),
        )
        for program, coach_name, latest_number, published_number, count in (
            await session.execute(query)
        ).all()
    ]


async def version_rows(session: AsyncSession, program_id: int) -> list[VersionRow]:
    """A program's versions, oldest first, with their step counts and open enrollments."""
    versions: Sequence[ProgramVersion] = await list_versions(session, program_id)
    counts = await enrolled_counts(session, program_id)
    steps = dict(
        (
            await session.execute(
                select(ProgramStep.version_id, func.count())
                .where(ProgramStep.version_id.in_([v.id for v in versions]))
                .group_by(ProgramStep.version_id)
            )
        ).all()
    )
    return [VersionRow(v, int(steps.get(v.id, 0)), counts.get(v.id, 0)) for v in versions]


async def version_files(session: AsyncSession, version_id: int) -> list[tuple[str, int]]:
    """The files stored with a version: (``files/…`` path, size in bytes), by path; contents not read."""
    rows = await session.execute(
        select(ProgramResource.path, ProgramResource.size_bytes)
        .where(ProgramResource.version_id == version_id)
        .order_by(ProgramResource.path)
    )
    return [(path, int(size)) for path, size in rows.all()]
