"""Feedback: score 1–5 → optional comment → stored; or, with "About the bot" instead of a score,
free-form system feedback that goes to the admins, not the coach."""

from __future__ import annotations

from conversations.flow import END, Flow, InvalidAnswer, Next, Step, Turn, ask, buttons, scale_buttons
from conversations.parsing import parse_scale
from conversations.texts import Common
from conversations.texts import Feedback as T
from domain import rules
from domain.errors import ValidationError
from domain.services.messages import record_feedback, record_system_feedback

ABOUT_BOT = "about_bot"  # the button's payload (not a command: it only means something at this step)


async def answer_score(turn: Turn) -> Next:
    if turn.text.strip().lower() == ABOUT_BOT:
        return "about_bot"
    turn.data["score"] = parse_scale(turn.text, *rules.FEEDBACK_RANGE)
    return "comment"


async def answer_comment(turn: Turn) -> Next:
    text = (turn.message.text or "").strip()
    if turn.message.button_payload == "/skip" or text.lower() == "/skip":
        text = ""
    if len(text) > rules.NOTE_MAX_CHARS:
        raise InvalidAnswer(T.COMMENT_TOO_LONG.format(limit=rules.NOTE_MAX_CHARS))
    assert turn.client_id is not None
    await record_feedback(
        await turn.session(), client_id=turn.client_id, score=turn.data["score"], comment=text or None
    )
    turn.say(T.THANKS)
    return END


async def answer_about_bot(turn: Turn) -> Next:
    text = (turn.message.text or "").strip()
    if not text or turn.message.button_payload is not None:
        raise InvalidAnswer(T.ABOUT_BOT_EMPTY)
    if len(text) > rules.NOTE_MAX_CHARS:
        raise InvalidAnswer(T.COMMENT_TOO_LONG.format(limit=rules.NOTE_MAX_CHARS))
    assert turn.client_id is not None
    try:
        await record_system_feedback(await turn.session(), client_id=turn.client_id, text=text)
    except ValidationError:
        raise InvalidAnswer(T.ABOUT_BOT_EMPTY) from None
    turn.say(T.ABOUT_BOT_THANKS)
    return END


FLOW = Flow(
    name="feedback",
    version=1,
    steps=[
        Step(
            "score",
            ask(T.ASK_SCORE, [*scale_buttons(*rules.FEEDBACK_RANGE), *buttons((T.ABOUT_BOT, ABOUT_BOT))]),
            answer_score,
        ),
        Step("comment", ask(T.ASK_COMMENT, buttons((Common.SKIP, "/skip"))), answer_comment),
        Step("about_bot", ask(T.ASK_ABOUT_BOT), answer_about_bot),
    ],
)
