"""Check-in: mood → energy → sleep → plan adherence → goal progress (if a goal is active) → the
program's own questions (if the client's program has any) → note.

Nothing is stored until the note step; then the check-in, the goal's progress, a low-mood notice
to the coach and the feedback offer bookkeeping are written in one transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from conversations.flow import END, Flow, InvalidAnswer, Next, Step, Turn, ask, buttons, scale_buttons
from conversations.i18n import use_locale
from conversations.messages import IncomingMessage, OutgoingMessage, voice_transcript
from conversations.parsing import parse_adherence, parse_percent, parse_scale, parse_sleep_hours
from conversations.reasons import explain
from conversations.texts import CheckIn as T
from conversations.texts import CoachNotices, Common
from domain import rules
from domain.clock import ensure_utc
from domain.errors import ValidationError
from domain.insights.note_language import needs_detector, note_language
from domain.models import AuditEvent, CheckIn, Coach
from domain.programs.questions import Question, QuestionType, check_answer
from domain.services import checkins
from domain.services.checkin_answers import answer_rows, insert_checkin_answers, program_checkin_questions
from domain.services.coach_feedback import queue_check_in_notices
from domain.services.notices import notify_coach

_CHECK_INS = cast(Table, CheckIn.__table__)
_AUDIT = cast(Table, AuditEvent.__table__)


async def begin(turn: Turn) -> Next:
    # The active goal comes with the conversation state, so the progress step costs no query.
    if turn.client is not None and turn.client.active_goal_id is not None:
        turn.data["goal_id"] = turn.client.active_goal_id
        turn.data["goal_text"] = turn.client.active_goal_text
    if turn.client is not None:
        questions = await program_checkin_questions(await turn.session(), turn.client.id)
        if questions:
            turn.data["questions"] = [q.to_dict() for q in questions]
            turn.data["q"] = 0
            turn.data["answers"] = {}
    return "mood"


def _after_standard(turn: Turn) -> str:
    return "program_question" if turn.data.get("questions") else "note"


def _question(turn: Turn) -> Question:
    return Question.from_dict(turn.data["questions"][turn.data["q"]])


async def ask_program_question(turn: Turn) -> OutgoingMessage:
    question = _question(turn)
    if question.type == QuestionType.SCALE:
        assert question.min is not None and question.max is not None
        rows = scale_buttons(question.min, question.max)
    elif question.type == QuestionType.YES_NO:
        rows = buttons((T.ANSWER_YES, "yes"), (T.ANSWER_NO, "no"))
    elif question.type == QuestionType.CHOICE:
        rows = buttons(*((c, c) for c in question.choices))
    else:
        rows = []
    return OutgoingMessage(question.ask, tuple(tuple(r) for r in rows))


async def answer_program_question(turn: Turn) -> Next:
    question = _question(turn)
    try:
        turn.data["answers"][question.key] = check_answer(question, turn.text)
    except ValidationError as exc:
        raise InvalidAnswer(explain(exc)) from None  # the question's hint, in the client's language
    turn.data["q"] += 1
    return "program_question" if turn.data["q"] < len(turn.data["questions"]) else "note"


async def answer_mood(turn: Turn) -> Next:
    turn.data["mood"] = parse_scale(turn.text, *rules.MOOD_RANGE)
    return "energy"


async def answer_energy(turn: Turn) -> Next:
    turn.data["energy"] = parse_scale(turn.text, *rules.ENERGY_RANGE)
    return "sleep"


async def answer_sleep(turn: Turn) -> Next:
    turn.data["sleep"] = parse_sleep_hours(turn.text)
    return "adherence"


async def answer_adherence(turn: Turn) -> Next:
    turn.data["adherence"] = parse_adherence(turn.text)
    return "progress" if "goal_id" in turn.data else _after_standard(turn)


async def ask_progress(turn: Turn) -> OutgoingMessage:
    return OutgoingMessage(T.ASK_PROGRESS.format(goal=turn.data.get("goal_text", "")))


async def answer_progress(turn: Turn) -> Next:
    turn.data["progress"] = parse_percent(turn.text)
    return _after_standard(turn)


def note_text(message: IncomingMessage) -> str:
    """The note a message gives at the note step ("" for none)."""
    text = (message.text or "").strip()
    if message.button_payload == "/skip" or text.lower() == "/skip":
        text = ""
    if (said := voice_transcript(message)) is not None:
        # A voice note becomes the note (after a caption, if any); its whole transcript stays on the
        # attachment, so a long one is cut here rather than sent back to be recorded again.
        text = f"{text}\n\n{said}" if text else said
        if len(text) > rules.NOTE_MAX_CHARS:
            text = text[: rules.NOTE_MAX_CHARS - 1].rstrip() + "…"
    return text


async def detect_note_languages(messages: Sequence[IncomingMessage]) -> dict[str, str]:
    """The language of every note these messages could give, detected in a worker thread before
    the batch's transaction begins (so no transaction waits on it); :func:`save` stores it with the
    check-in. Which message is at the note step is known only inside the transaction, so every
    message's text is detected: short answers ("7", "yes") cost nothing (too few words to detect)."""
    notes = {note for m in messages if 0 < len(note := note_text(m)) <= rules.NOTE_MAX_CHARS}
    # Most answers ("7", "yes", "7h30") are settled without the detector: no thread hop for them.
    found = {note: note_language(note) for note in notes if not needs_detector(note)}
    costly = [note for note in notes if note not in found]
    if costly:
        found.update(zip(costly, await asyncio.to_thread(checkins.note_languages, costly), strict=True))
    return found


async def answer_note(turn: Turn) -> Next:
    text = note_text(turn.message)
    if len(text) > rules.NOTE_MAX_CHARS:
        raise InvalidAnswer(T.NOTE_TOO_LONG.format(length=len(text), limit=rules.NOTE_MAX_CHARS))
    await save(turn, note=text or None)
    return END


async def save(turn: Turn, *, note: str | None) -> None:
    """Validate the check-in with the domain's rules and queue it for the batch's single INSERT
    (see :func:`save_all`)."""
    client = turn.client
    assert client is not None
    d = turn.data
    row = checkins.check_in_values(
        client_id=client.id,
        goal_id=d.get("goal_id"),
        mood=d["mood"],
        energy=d["energy"],
        sleep_hours=d["sleep"],
        adherence=d["adherence"],
        goal_progress=d.get("progress"),
        note=note,
        attachments=[a.to_dict() for a in turn.message.attachments],
        source_channel=turn.platform,
        at=turn.now,
    )
    if row["note"] is not None:
        # Detected before the transaction (see detect_note_languages); insert_check_ins detects any not.
        row["note_language"] = turn.batch.note_language(row["note"])
    turn.writes = True
    turn.batch.defer("checkin.save", (turn, row), save_all)


async def save_all(items: list[tuple[Turn, dict[str, Any]]]) -> None:
    """Store every check-in of a group-committed batch with the domain's batch INSERT (plus the
    goals' progress), then read the clients' last 400 days and their totals (two SELECTs) to
    answer each client with their streak and their week's comparison."""
    conn = await items[0][0].connection()
    c = _CHECK_INS.c
    # The notes' languages were detected before the transaction began (detect_note_languages).
    ids = await checkins.insert_check_ins(conn, [row for _t, row in items])
    answers = [
        answer
        for (turn, row), check_in_id in zip(items, ids, strict=True)
        if turn.data.get("answers")
        for answer in answer_rows(
            check_in_id=check_in_id,
            client_id=row["client_id"],
            questions=[Question.from_dict(q) for q in turn.data["questions"]],
            answers=turn.data["answers"],
            at=row["created_at"],
        )
    ]
    await insert_checkin_answers(conn, answers)
    # The coach's Slack notice of each check-in, where they can react or comment (one SELECT).
    await queue_check_in_notices(
        await items[0][0].session(),
        [(check_in_id, row["client_id"]) for (_t, row), check_in_id in zip(items, ids, strict=True)],
    )
    clients = [row["client_id"] for _t, row in items]
    since = min(row["created_at"] for _t, row in items) - checkins.STREAK_WINDOW
    history: dict[int, list[Any]] = {}
    for r in await conn.execute(
        select(c.client_id, c.id, c.created_at, c.mood, c.energy, c.sleep_hours).where(
            c.client_id.in_(clients), c.created_at >= since
        )
    ):
        history.setdefault(r[0], []).append(r[1:])
    totals = select(c.client_id, func.count()).where(c.client_id.in_(clients)).group_by(c.client_id)
    counts: dict[int, int] = {client_id: n for client_id, n in await conn.execute(totals)}
    due = []
    for (turn, row), check_in_id in zip(items, ids, strict=True):
        count = counts.get(row["client_id"], 0)
        # Deferred work runs after every step of the batch: each reply in its own client's language.
        with use_locale(turn.locale):
            await answer(turn, row, check_in_id, history.get(row["client_id"], []))
        if count and count % checkins.FEEDBACK_EVERY == 0:
            due.append((turn, count))
    await offer_feedback(conn, due)


async def answer(turn: Turn, row: dict[str, Any], check_in_id: int, history: list[Any]) -> None:
    client = turn.client
    assert client is not None
    today = turn.now.astimezone(ZoneInfo(client.timezone)).date()
    days = checkins.local_dates(
        [ensure_utc(r[1]) for r in history if r[1] >= turn.now - checkins.STREAK_WINDOW], client.timezone
    )
    streak = checkins.streak_from_dates(days, today)
    turn.say(T.SAVED.format(streak=streak))
    # Only earlier check-ins: the comparison needs a previous period, never this check-in itself.
    this_at = ensure_utc(row["created_at"])
    week = [
        r
        for r in history
        if r[0] != check_in_id and turn.now - timedelta(days=7) <= ensure_utc(r[1]) < this_at
    ]
    if week:
        n = len(week)
        turn.say(
            T.COMPARISON.format(
                mood=round(sum(r[2] for r in week) / n, 1),
                energy=round(sum(r[3] for r in week) / n, 1),
                sleep=round(sum(r[4] for r in week) / n, 1),
            )
        )
    else:
        turn.say(T.FIRST_WEEK)
    mood = row["mood"]
    if mood <= checkins.LOW_MOOD_MAX and client.coach_id is not None:
        await notify_coach(
            await turn.session(),
            coach_id=client.coach_id,
            kind="low_mood",
            text=await _low_mood_notice(await turn.session(), client.coach_id, client.name, mood),
            client_id=client.id,
            data={"mood": mood, "check_in_id": check_in_id},
        )
        turn.say(T.LOW_MOOD_ACK)


async def _low_mood_notice(session: AsyncSession, coach_id: int, name: str, mood: int) -> str:
    """The notice's text in the coach's language (the client's turn speaks the client's)."""
    # notify_coach loads the coach next: the same row, from the session's identity map.
    coach = await session.get(Coach, coach_id)
    with use_locale(coach.locale if coach else None):
        return str(CoachNotices.LOW_MOOD.format(name=name, mood=mood))


async def offer_feedback(conn: AsyncConnection, due: list[tuple[Turn, int]]) -> None:
    """After every 4th check-in, at most once a fortnight; offers are remembered as audit events
    (one SELECT and one INSERT for the whole batch)."""
    if not due:
        return
    now = due[0][0].now
    subjects = {f"client:{turn.client_id}": (turn, count) for turn, count in due}
    audit = _AUDIT.c
    recent = set(
        (
            await conn.execute(
                select(audit.subject).where(
                    audit.action == "feedback.offered",
                    audit.subject.in_(list(subjects)),
                    audit.at >= now - checkins.FEEDBACK_OFFER_GAP,
                )
            )
        )
        .scalars()
        .all()
    )
    offers = [(subject, turn, count) for subject, (turn, count) in subjects.items() if subject not in recent]
    if not offers:
        return
    await conn.execute(
        insert(_AUDIT),
        [
            {
                "actor": "system",
                "action": "feedback.offered",
                "subject": subject,
                "at": turn.now,
                "details": {},
            }
            for subject, turn, _count in offers
        ],
    )
    for _subject, turn, count in offers:
        with use_locale(turn.locale):
            _offer(turn, count)


def _offer(turn: Turn, count: int) -> None:
    turn.say(
        T.OFFER_FEEDBACK.format(count=count),
        buttons((T.OFFER_YES, "/feedback"), (T.OFFER_NO, "/menu")),
    )


FLOW = Flow(
    name="checkin",
    version=2,
    begin=begin,
    steps=[
        Step("mood", ask(T.ASK_MOOD, scale_buttons(*rules.MOOD_RANGE)), answer_mood),
        Step("energy", ask(T.ASK_ENERGY, scale_buttons(*rules.ENERGY_RANGE)), answer_energy),
        Step("sleep", ask(T.ASK_SLEEP), answer_sleep),
        Step(
            "adherence",
            ask(
                T.ASK_ADHERENCE,
                buttons((T.ADHERENCE_YES, "yes"), (T.ADHERENCE_PARTLY, "partly"), (T.ADHERENCE_NO, "no")),
            ),
            answer_adherence,
        ),
        Step("progress", ask_progress, answer_progress),
        Step("program_question", ask_program_question, answer_program_question),
        Step("note", ask(T.ASK_NOTE, buttons((Common.SKIP, "/skip"))), answer_note),
    ],
)
