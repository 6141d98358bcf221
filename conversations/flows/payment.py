"""Paying for a program: /pay, and the payment step at the end of onboarding.

The enrollment (``pending_payment``) is committed first; only then, outside any transaction, the
payment port is asked for a checkout link. Without a payment port the coach is told instead.
"""

from __future__ import annotations

from sqlalchemy import select

from conversations.coach_notices import english_text
from conversations.flow import STAY, EffectContext, Next, Turn
from conversations.messages import OutgoingMessage, UrlButton
from conversations.ports import PaymentsUnavailable
from conversations.texts import Payment as T
from domain.models import Enrollment, Program
from domain.models.enums import EnrollmentStatus
from domain.services.clients import get_client
from domain.services.notices import notify_coach

NOT_SET_UP_NOTICE = "payments_not_configured"  # the coach's notice kind


async def pay(turn: Turn, _args: str) -> Next:
    assert turn.client_id is not None
    session = await turn.session()
    row = (
        await session.execute(
            select(Enrollment.id, Program.name)
            .join(Program, Program.id == Enrollment.program_id)
            .where(
                Enrollment.client_id == turn.client_id, Enrollment.status == EnrollmentStatus.PENDING_PAYMENT
            )
            .order_by(Enrollment.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        turn.say(T.NOTHING_DUE)
        return STAY
    await offer_payment(turn, enrollment_id=row[0], program_name=row[1])
    return STAY


async def offer_payment(turn: Turn, *, enrollment_id: int, program_name: str) -> None:
    if turn.payments is None:
        assert turn.client_id is not None
        session = await turn.session()
        client = await get_client(session, turn.client_id)
        if client.coach_id is not None:
            # Rendered in the coach's language when posted; the stored text is the English one.
            values = {"name": client.display_name, "program": program_name}
            await notify_coach(
                session,
                coach_id=client.coach_id,
                kind=NOT_SET_UP_NOTICE,
                text=english_text(NOT_SET_UP_NOTICE, values),
                client_id=client.id,
                data={"enrollment_id": enrollment_id},
                values=values,
            )
        turn.say(T.NOT_SET_UP)
        return

    async def checkout(context: EffectContext) -> list[OutgoingMessage]:
        assert context.payments is not None
        try:
            offer = await context.payments.checkout_for_enrollment(enrollment_id)
        except PaymentsUnavailable as exc:
            return [OutgoingMessage(str(exc) or T.UNAVAILABLE)]
        return [
            OutgoingMessage(
                T.PAY_HERE.format(program=program_name), url_buttons=(UrlButton(offer.label, offer.url),)
            )
        ]

    turn.after_commit(checkout)
