"""Program content as versions: import a program file as a draft, publish it (immutable from then on),
export any version, and move enrolled clients to another version keeping their progress by step title.

A published version's settings (price, billing, weeks, cadence, questions) become the program's own,
so enrollment, payments and onboarding keep reading them from ``programs``.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc, utcnow
from domain.errors import NotFound, ValidationError
from domain.models import (
    Client,
    Enrollment,
    EnrollmentProgress,
    Program,
    ProgramResource,
    ProgramStep,
    ProgramVersion,
)
from domain.models.enums import EnrollmentStatus
from domain.programs import ProgramFile, ProgramFormatError, parse_program, render_program
from domain.programs.format import Problem
from domain.programs.questions import Question
from domain.reasons.programs import ProgramFileProblems, ProgramRefusals
from domain.services.audit import record_audit_event
from domain.services.coaches import DEFAULT_ASSESSMENT, create_program, default_coach, get_coach, get_program
from domain.services.outbox import enqueue_for_client

DRAFT = "draft"
PUBLISHED = "published"
# A file stored with a program is sent as a document: Telegram bots may upload up to 50 MB, Slack more;
# program files are guides and worksheets, so a lower cap keeps the database lean.
RESOURCE_MAX_BYTES = 10 * 1024 * 1024
PUBLISH_NOTE_MAX_CHARS = 500
OPEN_STATUSES = (EnrollmentStatus.PENDING_PAYMENT, EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)


@dataclass(frozen=True, slots=True)
class ImportResult:
    program_id: int
    version_number: int
    created_program: bool
    replaced_draft: bool
    steps: int
    resources: int


@dataclass(frozen=True, slots=True)
class MigrationResult:
    moved: int
    notified: int
    version_number: int


def step_key(title: str) -> str:
    """What identifies a step across versions: its title, case- and space-insensitive."""
    return " ".join(title.split()).casefold()


def _check_resources(parsed: ProgramFile, files: Mapping[str, bytes]) -> None:
    problems: list[Problem] = []
    for resource in parsed.resources:
        content = files.get(resource.path)
        if content is None:
            problems.append(Problem(resource.line, ProgramFileProblems.FILE_MISSING(path=resource.path)))
        elif len(content) > RESOURCE_MAX_BYTES:
            megabytes = RESOURCE_MAX_BYTES // (1024 * 1024)
            problems.append(
                Problem(
                    resource.line, ProgramFileProblems.FILE_TOO_BIG(path=resource.path, megabytes=megabytes)
                )
            )
    if problems:
        raise ProgramFormatError(problems)


async def find_program_by_name(session: AsyncSession, *, coach_id: int, name: str) -> Program | None:
    """The coach's program of that name: the one an import of a file with that name updates."""
    return await session.scalar(
        select(Program)
        .where(Program.coach_id == coach_id, Program.name == name)
        .order_by(Program.id)
        .limit(1)
    )


async def import_program(
    session: AsyncSession,
    text: str,
    *,
    coach_id: int | None = None,
    files: Mapping[str, bytes] | None = None,
    actor: str = "admin",
    program_id: int | None = None,
) -> ImportResult:
    """Store ``text`` as the draft of the coach's program of that name (a new program when there is none),
    or of program ``program_id`` whatever the name in the file (the web editor: a rename is a change).

    An open draft is replaced; after a published version a new draft numbered one higher is added.
    ``files`` maps the ``files/…`` paths the steps link to onto their content."""
    parsed = parse_program(text)
    _check_resources(parsed, files or {})
    if program_id is not None:
        edited = await get_program(session, program_id)
        clash = await session.scalar(
            select(Program.id).where(
                Program.coach_id == edited.coach_id, Program.name == parsed.name, Program.id != edited.id
            )
        )
        if clash is not None:
            raise ValidationError(ProgramRefusals.NAME_TAKEN(name=repr(parsed.name)), field="name")
        return await _store_draft(session, edited, parsed, text, files or {}, actor=actor, created=False)
    if coach_id is None:
        coach = await default_coach(session)
        if coach is None:
            raise NotFound(ProgramRefusals.NO_COACH())
        coach_id = coach.id
    else:
        await get_coach(session, coach_id)
    program = await find_program_by_name(session, coach_id=coach_id, name=parsed.name)
    created = program is None
    if program is None:
        program = await create_program(
            session,
            coach_id=coach_id,
            name=parsed.name,
            price_minor=parsed.price_minor,
            currency=parsed.currency,
            billing=parsed.billing,
            duration_weeks=parsed.weeks,
            description=parsed.description,
            checkin_cadence=parsed.checkin_cadence,
            assessment_questions=_assessment(parsed.assessment),
            goals_need_approval=parsed.goals_need_approval,
        )
    return await _store_draft(session, program, parsed, text, files or {}, actor=actor, created=created)


async def _store_draft(
    session: AsyncSession,
    program: Program,
    parsed: ProgramFile,
    text: str,
    files: Mapping[str, bytes],
    *,
    actor: str,
    created: bool,
) -> ImportResult:
    latest = await latest_version(session, program.id)
    replaced = latest is not None and latest.status == DRAFT
    if latest is not None and latest.status == DRAFT:
        version = latest
        await session.execute(delete(ProgramStep).where(ProgramStep.version_id == version.id))
        await session.execute(delete(ProgramResource).where(ProgramResource.version_id == version.id))
    else:
        version = ProgramVersion(
            program_id=program.id, number=(latest.number + 1) if latest else 1, status=DRAFT
        )
        session.add(version)
    version.source = text
    version.name = parsed.name
    version.weeks = parsed.weeks
    version.checkin_questions = [q.to_dict() for q in parsed.checkin_questions]
    version.email_sequence = [e.to_dict() for e in parsed.email_sequence]
    version.created_at = utcnow()
    await session.flush()
    _add_content(session, version.id, parsed, files)
    await session.flush()
    await record_audit_event(
        session,
        actor=actor,
        action="program.imported",
        subject=f"program:{program.id}",
        details={"version": version.number, "steps": len(parsed.steps)},
    )
    return ImportResult(
        program.id, version.number, created, replaced, len(parsed.steps), len(parsed.resources)
    )


async def save_draft(
    session: AsyncSession,
    program_id: int,
    text: str,
    *,
    actor: str,
    added: Mapping[str, bytes] | None = None,
) -> ImportResult:
    """The program file edited in place (the web editor): ``text`` becomes the program's draft, with the
    files its latest version stored (so editing the text never needs them again) and ``added`` ones
    (``files/…`` path → content; a new file of the same path replaces the stored one)."""
    latest = await latest_version(session, program_id)
    files: dict[str, bytes] = {}
    if latest is not None:
        rows = await session.scalars(select(ProgramResource).where(ProgramResource.version_id == latest.id))
        files = {r.path: r.content for r in rows}
    files.update(added or {})
    return await import_program(session, text, files=files, actor=actor, program_id=program_id)


def _add_content(
    session: AsyncSession, version_id: int, parsed: ProgramFile, files: Mapping[str, bytes]
) -> None:
    for position, step in enumerate(parsed.steps, start=1):
        session.add(
            ProgramStep(
                version_id=version_id,
                position=position,
                day=step.day,
                title=step.title,
                body=step.body,
                tasks=list(step.tasks),
                resource_paths=[r.path for r in step.resources],
            )
        )
    for resource in parsed.resources:
        content = files[resource.path]
        name = resource.path.rsplit("/", 1)[-1]
        session.add(
            ProgramResource(
                version_id=version_id,
                path=resource.path,
                file_name=name,
                mime_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
                size_bytes=len(content),
                content=content,
            )
        )


def _assessment(questions: Sequence[Question]) -> list[dict[str, object]]:
    """The standard onboarding questions, then the program's own."""
    return [*DEFAULT_ASSESSMENT, *(q.as_assessment() for q in questions)]


async def latest_version(session: AsyncSession, program_id: int) -> ProgramVersion | None:
    return await session.scalar(
        select(ProgramVersion)
        .where(ProgramVersion.program_id == program_id)
        .order_by(ProgramVersion.number.desc())
        .limit(1)
    )


async def published_version(session: AsyncSession, program_id: int) -> ProgramVersion | None:
    """The newest published version: what new enrollments follow."""
    return await session.scalar(
        select(ProgramVersion)
        .where(ProgramVersion.program_id == program_id, ProgramVersion.status == PUBLISHED)
        .order_by(ProgramVersion.number.desc())
        .limit(1)
    )


async def get_version(session: AsyncSession, program_id: int, number: int | None = None) -> ProgramVersion:
    """Version ``number`` of the program, or its latest one."""
    await get_program(session, program_id)
    if number is None:
        version = await latest_version(session, program_id)
    else:
        version = await session.scalar(
            select(ProgramVersion).where(
                ProgramVersion.program_id == program_id, ProgramVersion.number == number
            )
        )
    if version is None:
        raise NotFound(
            ProgramRefusals.NO_SUCH_VERSION(program=program_id, number=number)
            if number is not None
            else ProgramRefusals.NO_CONTENT(program=program_id)
        )
    return version


async def list_versions(session: AsyncSession, program_id: int) -> Sequence[ProgramVersion]:
    await get_program(session, program_id)
    return (
        await session.scalars(
            select(ProgramVersion)
            .where(ProgramVersion.program_id == program_id)
            .order_by(ProgramVersion.number)
        )
    ).all()


async def version_steps(session: AsyncSession, version_id: int) -> Sequence[ProgramStep]:
    return (
        await session.scalars(
            select(ProgramStep).where(ProgramStep.version_id == version_id).order_by(ProgramStep.position)
        )
    ).all()


async def version_resources(
    session: AsyncSession, version_id: int, paths: Sequence[str]
) -> Sequence[ProgramResource]:
    if not paths:
        return []
    rows = (
        await session.scalars(
            select(ProgramResource).where(
                ProgramResource.version_id == version_id, ProgramResource.path.in_(paths)
            )
        )
    ).all()
    order = {path: i for i, path in enumerate(paths)}
    return sorted(rows, key=lambda r: order[r.path])


async def enrolled_counts(session: AsyncSession, program_id: int) -> dict[int, int]:
    """Open enrollments per version id."""
    rows = await session.execute(
        select(EnrollmentProgress.version_id, func.count())
        .join(Enrollment, Enrollment.id == EnrollmentProgress.enrollment_id)
        .where(Enrollment.program_id == program_id, Enrollment.status.in_(OPEN_STATUSES))
        .group_by(EnrollmentProgress.version_id)
    )
    return {version_id: int(n) for version_id, n in rows.all()}


async def export_program(session: AsyncSession, program_id: int, number: int | None = None) -> str:
    """The program file of a version, exactly as imported; a program without content is written out
    from its settings in the canonical layout."""
    program = await get_program(session, program_id)
    if await latest_version(session, program_id) is None and number is None:
        return render_program(
            ProgramFile(
                name=program.name,
                description=program.description,
                price_minor=program.price_minor,
                currency=program.currency,
                billing=program.billing,
                weeks=program.duration_weeks or 1,
                checkin_cadence=program.checkin_cadence,
                goals_need_approval=program.goals_need_approval,
            )
        )
    return (await get_version(session, program_id, number)).source


async def publish(
    session: AsyncSession,
    program_id: int,
    *,
    note: str | None = None,
    actor: str = "admin",
    now: datetime | None = None,
) -> tuple[Program, ProgramVersion | None]:
    """Publish the program's latest draft as an immutable version and make its settings the program's.

    A program that never had content (``coach programs add``) is simply made visible to clients."""
    program = await get_program(session, program_id)
    note = " ".join((note or "").split()) or None
    if note is not None and len(note) > PUBLISH_NOTE_MAX_CHARS:
        raise ValidationError(ProgramRefusals.NOTE_TOO_LONG(limit=PUBLISH_NOTE_MAX_CHARS), field="note")
    latest = await latest_version(session, program_id)
    if latest is None:
        program.published = True
        await record_audit_event(
            session, actor=actor, action="program.published", subject=f"program:{program.id}"
        )
        return program, None
    if latest.status != DRAFT:
        raise ValidationError(
            ProgramRefusals.ALREADY_PUBLISHED(number=latest.number, program=repr(program.name)),
            field="version",
        )
    parsed = parse_program(latest.source)
    latest.status = PUBLISHED
    latest.published_at = ensure_utc(now or utcnow())
    latest.publish_note = note
    program.name = parsed.name
    program.description = parsed.description
    program.price_minor = parsed.price_minor
    program.currency = parsed.currency
    program.billing = parsed.billing
    program.duration_weeks = parsed.weeks
    program.checkin_cadence = parsed.checkin_cadence
    program.goals_need_approval = parsed.goals_need_approval
    program.assessment_questions = _assessment(parsed.assessment)
    program.published = True
    await session.flush()
    await record_audit_event(
        session,
        actor=actor,
        action="program.published",
        subject=f"program:{program.id}",
        details={"version": latest.number},
    )
    return program, latest


async def attach_published_version(
    session: AsyncSession, enrollment: Enrollment
) -> EnrollmentProgress | None:
    """Put a new enrollment on the program's newest published version (it stays there until migrated)."""
    existing = await session.scalar(
        select(EnrollmentProgress).where(EnrollmentProgress.enrollment_id == enrollment.id)
    )
    if existing is not None:
        return existing
    version = await published_version(session, enrollment.program_id)
    if version is None:
        return None
    progress = EnrollmentProgress(enrollment_id=enrollment.id, version_id=version.id)
    session.add(progress)
    await session.flush()
    return progress


@dataclass(frozen=True, slots=True)
class ProgramUpdate:
    """What a client whose enrollment moved is told: the program, its new version and what changed
    (the coach's note, as written), in the client's language (``locale``)."""

    program: str
    number: int
    note: str | None
    locale: str = "en"


UpdateRenderer = Callable[[ProgramUpdate], dict[str, Any]]
"""Words the news of a new version as an outbox payload in the client's language
(``conversations.flows.program``): the domain holds no client-facing text, so every caller passes one."""


async def migrate_enrollments(
    session: AsyncSession,
    program_id: int,
    *,
    to_version: int,
    actor: str = "admin",
    render_update: UpdateRenderer,
) -> MigrationResult:
    """Move every open enrollment of the program to published version ``to_version``. Released steps and
    ticked tasks are kept by step title; each client gets the version's publish note once, worded by
    ``render_update``."""
    program = await get_program(session, program_id)
    target = await get_version(session, program_id, to_version)
    if target.status != PUBLISHED:
        raise ValidationError(ProgramRefusals.DRAFT_NOT_PUBLISHED(number=to_version), field="version")
    rows = (
        await session.execute(
            select(EnrollmentProgress, Enrollment, Client.locale)
            .join(Enrollment, Enrollment.id == EnrollmentProgress.enrollment_id)
            .join(Client, Client.id == Enrollment.client_id)
            .where(
                Enrollment.program_id == program_id,
                Enrollment.status.in_(OPEN_STATUSES),
                EnrollmentProgress.version_id != target.id,
            )
            .order_by(Enrollment.id)
            .with_for_update(of=EnrollmentProgress)
        )
    ).all()
    notified = 0
    for progress, enrollment, locale in rows:
        progress.version_id = target.id
        update = ProgramUpdate(program.name, target.number, target.publish_note, locale or "en")
        queued = await enqueue_for_client(
            session,
            enrollment.client_id,
            render_update(update),
            dedupe_key=f"program_update:{enrollment.id}:{target.id}",
        )
        notified += queued is not None
    await session.flush()
    await record_audit_event(
        session,
        actor=actor,
        action="program.migrated",
        subject=f"program:{program_id}",
        details={"version": target.number, "enrollments": len(rows)},
    )
    return MigrationResult(len(rows), notified, target.number)
