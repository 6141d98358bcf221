"""Where an enrolled client is in their program: released steps, ticked tasks, access and completion.

Progress is kept by step title (``step_key``) and task text, so it survives a move to another version.
Wording for clients comes from the caller (``conversations/texts.py``) through the renderer callables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc
from domain.errors import ValidationError
from domain.keysets import among
from domain.models import (
    CheckIn,
    Client,
    Enrollment,
    EnrollmentProgress,
    Goal,
    Program,
    ProgramStep,
    ProgramVersion,
    StepRelease,
    TaskTick,
)
from domain.models.enums import EnrollmentStatus, GoalStatus
from domain.programs.schedule import ClientTiming, ends_at, program_day
from domain.reasons import Reason
from domain.reasons.programs import ProgressRefusals
from domain.services.enrollments import change_enrollment_status
from domain.services.notices import notify_coach
from domain.services.outbox import enqueue_for_client
from domain.services.program_versions import OPEN_STATUSES, step_key, version_resources
from domain.services.unique_rows import insert_unless_taken


@dataclass(frozen=True, slots=True)
class FileContent:
    file_name: str
    mime_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class StepContent:
    """One step as a client receives it (drip message, ``/today``)."""

    program: str
    position: int
    total: int
    day: int
    title: str
    body: str
    tasks: tuple[str, ...]
    done: tuple[bool, ...]
    files: tuple[FileContent, ...] = ()
    # The client's language: scheduled deliveries are worded in it.
    locale: str = "en"


@dataclass(frozen=True, slots=True)
class CompletionNumbers:
    program: str
    days: int
    check_ins: int
    tasks_done: int
    tasks_total: int
    goal_text: str | None
    goal_progress: int | None
    locale: str = "en"


StepRenderer = Callable[[StepContent], dict[str, Any]]
CompletionRenderer = Callable[[CompletionNumbers], dict[str, Any]]

COACH_COMPLETION_NOTICE = (
    "{name} completed {program}: {tasks_done} of {tasks_total} tasks, {check_ins} check-ins."
)


@dataclass(frozen=True, slots=True)
class StepState:
    position: int
    day: int
    title: str
    key: str
    body: str
    tasks: tuple[str, ...]
    done: tuple[bool, ...]
    released: bool
    resource_paths: tuple[str, ...]

    @property
    def all_done(self) -> bool:
        return all(self.done)


@dataclass(frozen=True, slots=True)
class ProgramState:
    client_id: int
    coach_id: int
    client_name: str
    enrollment_id: int
    status: str
    program_id: int
    program: str
    version_id: int
    version_number: int
    weeks: int
    started_at: datetime
    today: int
    timing: ClientTiming
    steps: tuple[StepState, ...]
    completed_at: datetime | None
    locale: str = "en"

    @property
    def released(self) -> tuple[StepState, ...]:
        return tuple(s for s in self.steps if s.released)

    @property
    def current(self) -> StepState | None:
        """The newest released step; before the first delivery, the first step once its day has come."""
        if self.released:
            return self.released[-1]
        if self.steps and self.steps[0].day <= self.today:
            return self.steps[0]
        return None

    @property
    def locked_reason(self) -> Reason | None:
        """Why steps after day 1 are held (None for an active enrollment)."""
        if self.status == EnrollmentStatus.PENDING_PAYMENT:
            return ProgressRefusals.WAITING_FOR_PAYMENT()
        if self.status == EnrollmentStatus.PAUSED:
            return ProgressRefusals.PAUSED()
        return None

    @property
    def steps_done(self) -> int:
        """Steps that reached the client (delivered, or shown by /today) with every task ticked."""
        current = self.current
        return sum(1 for s in self.steps if (s.released or s is current) and s.all_done)

    @property
    def tasks_done(self) -> int:
        return sum(sum(s.done) for s in self.steps)

    @property
    def tasks_total(self) -> int:
        return sum(len(s.tasks) for s in self.steps)

    @property
    def days_left(self) -> int:
        return max(0, self.weeks * 7 - self.today + 1)

    def step(self, position: int) -> StepState | None:
        return next((s for s in self.steps if s.position == position), None)


async def open_enrollment(
    session: AsyncSession, client_id: int
) -> tuple[Enrollment, EnrollmentProgress] | None:
    """The client's program enrollment with content: an active one first, else the newest open one."""
    rows = (
        await session.execute(
            select(Enrollment, EnrollmentProgress)
            .join(EnrollmentProgress, EnrollmentProgress.enrollment_id == Enrollment.id)
            .where(Enrollment.client_id == client_id, Enrollment.status.in_(OPEN_STATUSES))
            .order_by(Enrollment.id.desc())
        )
    ).all()
    for enrollment, progress in rows:
        if enrollment.status == EnrollmentStatus.ACTIVE:
            return enrollment, progress
    return (rows[0][0], rows[0][1]) if rows else None


def timing_of(client: Client) -> ClientTiming:
    return ClientTiming(
        client.timezone,
        client.checkin_time,
        client.quiet_hours_start,
        client.quiet_hours_end,
        client.paused_until,
    )


def started_at(enrollment: Enrollment) -> datetime:
    """Day 1 is the day the enrollment became active (or was created, for a client still to pay)."""
    return ensure_utc(enrollment.activated_at or enrollment.created_at)


async def load_state(
    session: AsyncSession,
    enrollment: Enrollment,
    progress: EnrollmentProgress,
    *,
    now: datetime,
    steps: Sequence[ProgramStep] | None = None,
) -> ProgramState:
    client = await session.get(Client, enrollment.client_id)
    program = await session.get(Program, enrollment.program_id)
    version = await session.get(ProgramVersion, progress.version_id)
    assert client is not None and program is not None and version is not None
    if steps is None:
        steps = (
            await session.scalars(
                select(ProgramStep).where(ProgramStep.version_id == version.id).order_by(ProgramStep.position)
            )
        ).all()
    released = set(
        (
            await session.scalars(
                select(StepRelease.step_key).where(StepRelease.enrollment_id == enrollment.id)
            )
        ).all()
    )
    ticks = set(
        (
            await session.execute(
                select(TaskTick.step_key, TaskTick.task).where(TaskTick.enrollment_id == enrollment.id)
            )
        ).all()
    )
    timing = timing_of(client)
    start = started_at(enrollment)
    states = []
    for s in steps:
        key = step_key(s.title)
        tasks = tuple(str(t) for t in s.tasks)
        states.append(
            StepState(
                s.position,
                s.day,
                s.title,
                key,
                s.body,
                tasks,
                tuple((key, t) in ticks for t in tasks),
                key in released,
                tuple(str(p) for p in s.resource_paths),
            )
        )
    return ProgramState(
        client_id=client.id,
        coach_id=program.coach_id,
        client_name=client.display_name,
        enrollment_id=enrollment.id,
        status=enrollment.status,
        program_id=program.id,
        program=program.name,
        version_id=version.id,
        version_number=version.number,
        weeks=version.weeks,
        started_at=start,
        today=program_day(start, now, timing),
        timing=timing,
        steps=tuple(states),
        completed_at=progress.completed_at,
        locale=client.locale,
    )


async def program_state(session: AsyncSession, client_id: int, *, now: datetime) -> ProgramState | None:
    found = await open_enrollment(session, client_id)
    if found is None:
        return None
    return await load_state(session, *found, now=now)


async def step_content(
    session: AsyncSession, state: ProgramState, step: StepState, *, with_files: bool
) -> StepContent:
    files: tuple[FileContent, ...] = ()
    if with_files:
        files = tuple(
            FileContent(r.file_name, r.mime_type, r.content)
            for r in await version_resources(session, state.version_id, step.resource_paths)
        )
    return StepContent(
        state.program,
        step.position,
        len(state.steps),
        step.day,
        step.title,
        step.body,
        step.tasks,
        step.done,
        files,
        state.locale,
    )


@dataclass(frozen=True, slots=True)
class Tick:
    state: ProgramState
    step: StepState
    task: str
    already: bool
    completed: bool


async def tick_task(
    session: AsyncSession,
    client_id: int,
    number: int,
    *,
    position: int | None = None,
    now: datetime,
    completion: CompletionRenderer | None = None,
) -> Tick:
    """Tick task ``number`` (from 1) of step ``position`` (default: the current step); ticking twice is
    harmless. Completes the enrollment when this was the last task of the last released step."""
    state = await program_state(session, client_id, now=now)
    if state is None:
        raise ValidationError(ProgressRefusals.NOT_IN_PROGRAM(), field="program")
    step = state.step(position) if position is not None else state.current
    if step is None or (not step.released and step is not state.current):
        raise ValidationError(ProgressRefusals.STEP_NOT_REACHED(), field="step")
    if step.day > 1 and state.locked_reason is not None:
        raise ValidationError(state.locked_reason, field="access")
    if not 1 <= number <= len(step.tasks):
        raise ValidationError(
            ProgressRefusals.TASK_RANGE(last=len(step.tasks)) if step.tasks else ProgressRefusals.NO_TASKS(),
            field="task",
        )
    task = step.tasks[number - 1]
    already = step.done[number - 1]
    if not already:
        already = not await insert_unless_taken(
            session,
            TaskTick,
            {"enrollment_id": state.enrollment_id, "step_key": step.key, "task": task, "ticked_at": now},
            unique=("enrollment_id", "step_key", "task"),
        )
    state = await program_state(session, client_id, now=now)
    assert state is not None
    step = next(s for s in state.steps if s.key == step.key)
    completed = False
    if completion is not None:
        completed = await complete_if_finished(session, state, now=now, completion=completion)
    return Tick(state, step, task, already, completed)


def finished(state: ProgramState, now: datetime) -> bool:
    """Every step released and the last one's tasks done, or the program's weeks are over."""
    if state.steps and all(s.released for s in state.steps) and state.steps[-1].all_done:
        return True
    return ensure_utc(now) >= ends_at(state.started_at, state.weeks, state.timing)


async def complete_if_finished(
    session: AsyncSession, state: ProgramState, *, now: datetime, completion: CompletionRenderer
) -> bool:
    """Complete an active (or paused) enrollment that is finished; the client gets their numbers, the coach a
    notice (each queued once). A completed client may enroll in another program."""
    if state.completed_at is not None or state.status == EnrollmentStatus.PENDING_PAYMENT:
        return False
    if not finished(state, now):
        return False
    progress = await session.scalar(
        select(EnrollmentProgress).where(EnrollmentProgress.enrollment_id == state.enrollment_id)
    )
    assert progress is not None
    progress.completed_at = ensure_utc(now)
    enrollment = await change_enrollment_status(session, state.enrollment_id, EnrollmentStatus.COMPLETED)
    enrollment.ended_at = progress.completed_at  # the instant it finished, which analytics count by
    numbers = await completion_numbers(session, state, now=now)
    await enqueue_for_client(
        session, state.client_id, completion(numbers), dedupe_key=f"program_complete:{state.enrollment_id}"
    )
    await notify_coach(
        session,
        coach_id=state.coach_id,
        kind="program_completed",
        text=COACH_COMPLETION_NOTICE.format(
            name=state.client_name,
            program=state.program,
            tasks_done=numbers.tasks_done,
            tasks_total=numbers.tasks_total,
            check_ins=numbers.check_ins,
        ),
        client_id=state.client_id,
        data={"program_id": state.program_id, "enrollment_id": state.enrollment_id},
        values={
            "name": state.client_name,
            "program": state.program,
            "tasks_done": numbers.tasks_done,
            "tasks_total": numbers.tasks_total,
            "check_ins": numbers.check_ins,
        },
        dedupe_key=f"notice:program_complete:{state.enrollment_id}",
    )
    return True


async def completion_numbers(
    session: AsyncSession, state: ProgramState, *, now: datetime
) -> CompletionNumbers:
    check_ins = await session.scalar(
        select(func.count(CheckIn.id)).where(
            CheckIn.client_id == state.client_id,
            CheckIn.created_at >= state.started_at,
            CheckIn.created_at <= now,
        )
    )
    goal = await session.scalar(
        select(Goal)
        .where(Goal.client_id == state.client_id, Goal.status.in_([GoalStatus.ACTIVE, GoalStatus.DONE]))
        .order_by(Goal.updated_at.desc(), Goal.id.desc())
        .limit(1)
    )
    return CompletionNumbers(
        program=state.program,
        days=max(1, min(state.today, state.weeks * 7)),
        check_ins=int(check_ins or 0),
        tasks_done=state.tasks_done,
        tasks_total=state.tasks_total,
        goal_text=goal.text if goal else None,
        goal_progress=goal.progress if goal else None,
        locale=state.locale,
    )


async def program_glances(
    session: AsyncSession, client_ids: Sequence[int], *, now: datetime
) -> dict[int, str]:
    """A one-line program progress per client with an open program enrollment (coach surfaces), in four
    queries however many clients: ``Couch to 5K · day 5 of 42 · steps 2/18 · tasks 5/27``."""
    if not client_ids:
        return {}
    dialect = session.get_bind().dialect.name
    rows = (
        await session.execute(
            select(Enrollment, EnrollmentProgress.version_id, Program.name, ProgramVersion.weeks, Client)
            .join(EnrollmentProgress, EnrollmentProgress.enrollment_id == Enrollment.id)
            .join(ProgramVersion, ProgramVersion.id == EnrollmentProgress.version_id)
            .join(Program, Program.id == Enrollment.program_id)
            .join(Client, Client.id == Enrollment.client_id)
            .where(
                among(Enrollment.client_id.expression, client_ids, dialect),
                Enrollment.status.in_(OPEN_STATUSES),
            )
            .order_by(Enrollment.id)
        )
    ).all()
    if not rows:
        return {}
    chosen: dict[int, Any] = {}
    for row in rows:  # the newest open enrollment, an active one first
        current = chosen.get(row[0].client_id)
        if (
            current is None
            or row[0].status == EnrollmentStatus.ACTIVE
            or current[0].status != EnrollmentStatus.ACTIVE
        ):
            chosen[row[0].client_id] = row
    enrollment_ids = [row[0].id for row in chosen.values()]
    version_ids = {row[1] for row in chosen.values()}
    steps: dict[int, list[tuple[str, int]]] = {}
    for version_id, title, tasks in await session.execute(
        select(ProgramStep.version_id, ProgramStep.title, ProgramStep.tasks).where(
            among(ProgramStep.version_id.expression, version_ids, dialect)
        )
    ):
        steps.setdefault(version_id, []).append((step_key(title), len(tasks)))
    released: dict[int, set[str]] = {}
    for enrollment_id, key in await session.execute(
        select(StepRelease.enrollment_id, StepRelease.step_key).where(
            among(StepRelease.enrollment_id.expression, enrollment_ids, dialect)
        )
    ):
        released.setdefault(enrollment_id, set()).add(key)
    ticked: dict[int, int] = {}
    for enrollment_id, n in await session.execute(
        select(TaskTick.enrollment_id, func.count())
        .where(among(TaskTick.enrollment_id.expression, enrollment_ids, dialect))
        .group_by(TaskTick.enrollment_id)
    ):
        ticked[enrollment_id] = int(n)
    lines = {}
    for client_id, (enrollment, version_id, name, weeks, client) in chosen.items():
        version_steps_ = steps.get(version_id, [])
        day = max(1, min(program_day(started_at(enrollment), now, timing_of(client)), weeks * 7))
        delivered = sum(1 for key, _n in version_steps_ if key in released.get(enrollment.id, set()))
        tasks_total = sum(n for _key, n in version_steps_)
        line = (
            f"{name} · day {day} of {weeks * 7} · steps {delivered}/{len(version_steps_)} delivered"
            f" · tasks {min(ticked.get(enrollment.id, 0), tasks_total)}/{tasks_total}"
        )
        if enrollment.status != EnrollmentStatus.ACTIVE:
            line += f" · {enrollment.status.replace('_', ' ')}"
        lines[client_id] = line
    return lines
