"""A client's program in chat: /today (the current step, its tasks as buttons), ticking tasks (a button,
or typing "done 1"), /program (progress, or programs to start) and the messages drip delivery sends.

The step message is built here once, for /today and for the scheduled delivery (``render_step``).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from conversations.flow import STAY, Next, Turn, buttons
from conversations.flows import payment
from conversations.i18n import use_locale
from conversations.messages import Button, OutgoingFile, OutgoingMessage
from conversations.reasons import explain
from conversations.texts import Programs as T
from domain.errors import DomainError, ValidationError
from domain.models import Client
from domain.models.enums import EnrollmentStatus
from domain.services import coaches, enrollments
from domain.services.program_progress import (
    CompletionNumbers,
    ProgramState,
    StepContent,
    program_state,
    step_content,
    tick_task,
)
from domain.services.program_versions import ProgramUpdate

# Button labels stay short on every platform (Slack caps button text at 75 characters).
TASK_LABEL_MAX_CHARS = 40
_DONE = re.compile(r"^(?:done|did|tick)\s*#?(\d{1,2})(?:\s+(\d{1,3}))?\s*[.!]?$", re.IGNORECASE)
_FILE_LINK = re.compile(r"\[([^\]]*)\]\((?:\./)?files/[^)\s]+\)")


def parse_done(text: str) -> tuple[int, int | None] | None:
    """``done 2`` → (2, None); ``done 2 5`` (a button: task 2 of step 5) → (2, 5); anything else None."""
    match = _DONE.match(text.strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def _short(text: str) -> str:
    return text if len(text) <= TASK_LABEL_MAX_CHARS else text[: TASK_LABEL_MAX_CHARS - 1] + "…"


def step_message(content: StepContent) -> OutgoingMessage:
    body = _FILE_LINK.sub(lambda m: T.ATTACHED.format(label=m.group(1) or "file"), content.body)
    lines = [
        T.STEP_HEADER.format(
            program=content.program,
            day=content.day,
            title=content.title,
            position=content.position,
            total=content.total,
        )
    ]
    if body.strip():
        lines += ["", body.strip()]
    if content.tasks:
        lines += ["", T.TASKS_HEADER]
        for number, (task, done) in enumerate(zip(content.tasks, content.done, strict=True), start=1):
            lines.append((T.TASK_DONE if done else T.TASK_OPEN).format(number=number, task=task))
    rows = tuple(
        (Button(T.TASK_BUTTON.format(number=n, task=_short(task)), f"/today done {n} {content.position}"),)
        for n, (task, done) in enumerate(zip(content.tasks, content.done, strict=True), start=1)
        if not done
    )
    files = tuple(OutgoingFile(f.file_name, f.content, f.mime_type) for f in content.files)
    return OutgoingMessage("\n".join(lines), rows, files=files)


def render_step(content: StepContent) -> dict[str, Any]:
    """The outbox payload of a delivered step (drip delivery), in the client's language."""
    with use_locale(content.locale):
        return step_message(content).to_dict()


def completion_message(numbers: CompletionNumbers) -> OutgoingMessage:
    goal = ""
    if numbers.goal_text is not None and numbers.goal_progress is not None:
        goal = T.COMPLETED_GOAL.format(goal=numbers.goal_text, progress=numbers.goal_progress)
    return OutgoingMessage(
        T.COMPLETED.format(
            program=numbers.program,
            days=T.DAYS.format(n=numbers.days),
            check_ins=T.TIMES.format(n=numbers.check_ins),
            tasks_done=numbers.tasks_done,
            tasks_total=numbers.tasks_total,
            goal=goal,
        )
    )


def render_completion(numbers: CompletionNumbers) -> dict[str, Any]:
    with use_locale(numbers.locale):
        return completion_message(numbers).to_dict()


def render_update(update: ProgramUpdate) -> dict[str, Any]:
    """The outbox payload telling a client their program moved to a new version, in their language
    (the coach's note as written)."""
    with use_locale(update.locale):
        note = T.UPDATED_NOTE.format(note=update.note) if update.note else ""
        return OutgoingMessage(
            T.UPDATED.format(program=update.program, number=update.number, note=note),
            ((Button(T.TODAY_BUTTON, "/today"),), (Button(T.UPDATE_BUTTON_PROGRESS, "/program"),)),
        ).to_dict()


async def _locked(turn: Turn, state: ProgramState, position: int) -> Next:
    """A step after day 1 of an unpaid or paused enrollment: one line, and the way to pay."""
    if state.status == EnrollmentStatus.PENDING_PAYMENT:
        turn.say(T.LOCKED_UNPAID.format(position=position, program=state.program))
        await payment.offer_payment(turn, enrollment_id=state.enrollment_id, program_name=state.program)
    else:
        turn.say(T.LOCKED_PAUSED.format(position=position, program=state.program))
    return STAY


async def today(turn: Turn, args: str) -> Next:
    """/today: the current step with its tasks; ``/today done N [STEP]`` (the buttons) ticks a task."""
    assert turn.client_id is not None
    done = parse_done(args)
    if done is not None:
        return await tick(turn, *done)
    session = await turn.session()
    state = await program_state(session, turn.client_id, now=turn.now)
    if state is None:
        return await _no_program(turn)
    step = state.current
    if step is None:
        turn.say(T.NOT_STARTED.format(program=state.program, day=state.steps[0].day if state.steps else 1))
        return STAY
    if step.day > 1 and state.locked_reason is not None:
        return await _locked(turn, state, step.position)
    turn.replies.append(step_message(await step_content(session, state, step, with_files=not step.released)))
    held = next((s for s in state.steps if not s.released and 1 < s.day <= state.today), None)
    if held is not None and state.locked_reason is not None:
        return await _locked(turn, state, held.position)  # the next step is due but not open to them
    return STAY


async def tick(turn: Turn, number: int, position: int | None) -> Next:
    assert turn.client_id is not None
    session = await turn.session()
    try:
        result = await tick_task(
            session, turn.client_id, number, position=position, now=turn.now, completion=render_completion
        )
    except ValidationError as exc:
        state = await program_state(session, turn.client_id, now=turn.now)
        if state is None:
            return await _no_program(turn)
        if exc.field == "access":
            return await _locked(turn, state, position or (state.current.position if state.current else 1))
        turn.say(T.NO_SUCH_TASK.format(reason=explain(exc)))
        return STAY
    step = result.step
    if result.already:
        turn.say(T.ALREADY_TICKED.format(task=result.task))
    elif step.all_done:
        turn.say(T.ALL_TICKED.format(task=result.task))
    else:
        rows = [
            [Button(T.TASK_BUTTON.format(number=n, task=_short(task)), f"/today done {n} {step.position}")]
            for n, (task, done) in enumerate(zip(step.tasks, step.done, strict=True), start=1)
            if not done
        ]
        turn.say(T.TICKED.format(task=result.task, done=sum(step.done), total=len(step.tasks)), rows)
    if result.completed:
        turn.replies.append(completion_message(await _numbers(turn, result.state)))
    return STAY


async def _numbers(turn: Turn, state: ProgramState) -> CompletionNumbers:
    from domain.services.program_progress import completion_numbers

    return await completion_numbers(await turn.session(), state, now=turn.now)


async def progress(turn: Turn, args: str) -> Next:
    """/program: progress through the program as text; without one, the programs the client may start
    (``/program join ID`` from their buttons)."""
    assert turn.client_id is not None
    words = args.split()
    if len(words) == 2 and words[0] == "join" and words[1].isdigit():
        return await join(turn, int(words[1]))
    session = await turn.session()
    state = await program_state(session, turn.client_id, now=turn.now)
    if state is None:
        return await _no_program(turn)
    days = state.weeks * 7
    text = T.PROGRESS.format(
        program=state.program,
        version=state.version_number,
        day=max(1, min(state.today, days)),
        days=days,
        days_left=T.DAYS_LEFT.format(n=state.days_left),
        steps_done=state.steps_done,
        steps_total=len(state.steps),
        released=len(state.released),
        tasks_done=state.tasks_done,
        tasks_total=state.tasks_total,
    )
    if state.status == EnrollmentStatus.PENDING_PAYMENT:
        text += T.PROGRESS_PENDING
    elif state.status == EnrollmentStatus.PAUSED:
        text += T.PROGRESS_PAUSED
    turn.say(text, buttons((T.TODAY_BUTTON, "/today")))
    return STAY


async def _no_program(turn: Turn) -> Next:
    """No open program: offer the coach's published programs that have daily steps."""
    assert turn.client_id is not None
    session = await turn.session()
    coach_id = await session.scalar(select(Client.coach_id).where(Client.id == turn.client_id))
    offered = await coaches.list_programs(session, coach_id=coach_id, published_only=True) if coach_id else []
    if not offered:
        turn.say(T.NO_PROGRAM)
        return STAY
    turn.say(
        T.NO_PROGRAM + " " + T.PICK_PROGRAM,
        buttons(*((p.name, f"/program join {p.id}") for p in offered), per_row=1),
    )
    return STAY


async def join(turn: Turn, program_id: int) -> Next:
    assert turn.client_id is not None
    session = await turn.session()
    try:
        enrollment = await enrollments.enroll(session, client_id=turn.client_id, program_id=program_id)
    except DomainError as exc:
        turn.say(T.CANNOT_JOIN.format(reason=explain(exc)))
        return STAY
    program = await coaches.get_program(session, program_id)
    if enrollment.status == EnrollmentStatus.PENDING_PAYMENT:
        turn.say(T.JOINED_PAID.format(program=program.name))
        await payment.offer_payment(turn, enrollment_id=enrollment.id, program_name=program.name)
    else:
        turn.say(T.JOINED_FREE.format(program=program.name), buttons((T.TODAY_BUTTON, "/today")))
    return STAY


async def typed_tick(turn: Turn) -> Next | None:
    """ "done 2" typed outside any flow ticks a task (None: the text is not a tick)."""
    if turn.client_id is None or turn.message.button_payload is not None:
        return None
    done = parse_done(turn.message.text or "")
    return None if done is None else await tick(turn, *done)
