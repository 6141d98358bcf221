"""Two steps any flow can use to give a client a verified email address: the address, then the code.

The address step sends a 6-digit code to the typed address (queued in the step's transaction, so a
rolled-back step sends nothing) and the code step checks it (:mod:`domain.services.email_verification`).
Wrong codes are counted and stored (the step commits and asks again: raising would roll the count
back), an expired code can be sent anew, and only a confirmed code changes the client's address. The
flow that uses the steps says what happens once the address is confirmed (``on_verified``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from conversations.flow import REPEAT, InvalidAnswer, Next, Step, Turn, buttons
from conversations.i18n import localize
from conversations.messages import OutgoingMessage
from conversations.registry import can_deliver
from conversations.texts import EmailCode as T
from conversations.texts import Profile
from domain.errors import ValidationError
from domain.models.enums import Platform
from domain.services import email_verification as verification
from domain.services.outbox import client_message, enqueue_message

ADDRESS_STEP = "email"
CODE_STEP = "email_code"
RESEND_PAYLOAD = "resend"
BACK_PAYLOAD = "back"
# Where the address waiting for its code is shown from (the code prompt names it).
PENDING_KEY = "email_pending"

OnVerified = Callable[[Turn, str], Awaitable[Next]]


def _minutes(ttl: timedelta) -> int:
    return int(ttl.total_seconds() // 60)


async def _queue_code(turn: Turn, sent: verification.CodeToSend) -> None:
    """The code email, in the client's language, queued in this step's transaction."""
    minutes = _minutes(verification.CODE_TTL)
    payload = client_message(T.EMAIL_TEXT.format(code=sent.code, minutes=minutes)) | {
        "subject": T.EMAIL_SUBJECT.format(code=sent.code),
        "locale": turn.locale,
    }
    await enqueue_message(
        await turn.session(), platform=Platform.EMAIL.value, chat_id=sent.email, payload=payload
    )


async def _send_or_explain(turn: Turn, outcome: verification.CodeToSend | verification.Throttled) -> bool:
    """Queue the code email (True), or say why none goes out now (False)."""
    if isinstance(outcome, verification.Throttled):
        if outcome.exhausted:
            turn.say(T.NO_MORE_CODES)
        else:
            turn.say(T.WAIT.format(n=max(1, int(outcome.retry_after.total_seconds()))))
        return False
    await _queue_code(turn, outcome)
    turn.data[PENDING_KEY] = outcome.email
    turn.say(T.SENT.format(email=outcome.email, minutes=_minutes(verification.CODE_TTL)))
    return True


def address_answer(bad_address: str, back: str) -> Callable[[Turn], Awaitable[Next]]:
    """The address step's handler: ``bad_address`` re-prompts; ``back`` is the step to go back to."""

    async def answer(turn: Turn) -> Next:
        assert turn.client_id is not None
        if not can_deliver(Platform.EMAIL.value):
            turn.say(T.NOT_AVAILABLE)
            return back
        session = await turn.session()
        try:
            outcome = await verification.start_verification(session, turn.client_id, turn.text, now=turn.now)
        except ValidationError:
            raise InvalidAnswer(localize(bad_address)) from None
        if isinstance(outcome, verification.Throttled):
            pending = await verification.pending_verification(session, turn.client_id)
            if pending is not None and pending.email == turn.text.strip().lower():
                # The same address again within a minute: the code already on its way still works.
                turn.data[PENDING_KEY] = pending.email
                await _send_or_explain(turn, outcome)
                return CODE_STEP
        if not await _send_or_explain(turn, outcome):
            return REPEAT
        return CODE_STEP

    return answer


async def ask_code(turn: Turn) -> OutgoingMessage:
    email = str(turn.data.get(PENDING_KEY, ""))
    rows = buttons((T.RESEND, RESEND_PAYLOAD), (Profile.BACK, BACK_PAYLOAD))
    return OutgoingMessage(T.ASK_CODE.format(email=email), tuple(tuple(r) for r in rows))


def code_answer(on_verified: OnVerified) -> Callable[[Turn], Awaitable[Next]]:
    async def answer(turn: Turn) -> Next:
        assert turn.client_id is not None
        session = await turn.session()
        if turn.text.strip().lower() in {RESEND_PAYLOAD, "/resend"}:
            outcome = await verification.resend_code(session, turn.client_id, now=turn.now)
            if outcome is None:
                return ADDRESS_STEP
            await _send_or_explain(turn, outcome)
            return REPEAT
        result = await verification.check_code(session, turn.client_id, turn.text, now=turn.now)
        match result.outcome:
            case verification.Outcome.VERIFIED:
                assert result.email is not None
                turn.data.pop(PENDING_KEY, None)
                turn.say(T.VERIFIED.format(email=result.email))
                return await on_verified(turn, result.email)
            case verification.Outcome.WRONG:
                turn.say(T.WRONG.format(n=result.attempts_left))
                return REPEAT
            case verification.Outcome.EXPIRED:
                turn.say(T.EXPIRED)
                return REPEAT
            case verification.Outcome.TOO_MANY:
                turn.say(T.TOO_MANY)
                return ADDRESS_STEP
            case _:
                return ADDRESS_STEP

    return answer


def email_steps(
    *,
    ask_address: Callable[[Turn], Awaitable[OutgoingMessage]],
    bad_address: str,
    back: str,
    on_verified: OnVerified,
    guard: Callable[[Callable[[Turn], Awaitable[Next]]], Callable[[Turn], Awaitable[Next]]],
) -> list[Step]:
    """The address and code steps; ``guard`` wraps each handler (e.g. "Back" returns to the menu)."""
    return [
        Step(ADDRESS_STEP, ask_address, guard(address_answer(bad_address, back))),
        Step(CODE_STEP, ask_code, guard(code_answer(on_verified))),
    ]
