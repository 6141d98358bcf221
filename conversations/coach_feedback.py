"""A coach's reaction or comment on one check-in, from any coach surface (Slack, the web workspace):
stored once and queued to the client's own channel, in their language, quoting the check-in."""

from __future__ import annotations

from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.i18n import format_day, format_decimal, use_locale
from conversations.messages import OutgoingMessage
from conversations.texts import CoachFeedback as T
from domain.models import CheckIn, Client
from domain.services.coach_feedback import REACTIONS, FeedbackTarget, record_feedback
from domain.services.outbox import enqueue_for_client


class FeedbackOutcome(StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"  # the same reaction, form or modal was handled before
    UNREACHABLE = "unreachable"  # stored, but the client has no channel left to reach them


def quoted_values(check_in: CheckIn) -> str:
    return T.VALUES.format(
        mood=check_in.mood, energy=check_in.energy, sleep=format_decimal(check_in.sleep_hours)
    )


def feedback_text(
    client: Client, check_in: CheckIn, coach_name: str, *, reaction: str | None, comment: str | None
) -> str:
    """The client's message, in the client's language; the date is the check-in's local day."""
    with use_locale(client.locale):
        day = format_day(check_in.created_at.astimezone(ZoneInfo(client.timezone)))
        values = quoted_values(check_in)
        if comment is not None:
            return T.COMMENTED.format(coach=coach_name, date=day, values=values, comment=comment)
        return T.REACTED.format(reaction=REACTIONS[reaction or ""], coach=coach_name, date=day, values=values)


async def send_coach_feedback(
    session: AsyncSession,
    target: FeedbackTarget,
    *,
    coach_id: int,
    coach_name: str,
    source: str,
    request_key: str,
    reaction: str | None = None,
    comment: str | None = None,
) -> FeedbackOutcome:
    """Store the feedback and queue it to the client in one transaction; a request key seen before
    sends nothing. Raises ``ValidationError`` for an unknown reaction or an empty or long comment."""
    row = await record_feedback(
        session,
        target,
        coach_id=coach_id,
        source=source,
        request_key=request_key,
        reaction=reaction,
        comment=comment,
    )
    if row is None:
        return FeedbackOutcome.ALREADY_SENT
    text = feedback_text(
        target.client, target.check_in, coach_name, reaction=row.reaction, comment=row.comment
    )
    queued = await enqueue_for_client(
        session, target.client.id, OutgoingMessage(text).to_dict(), dedupe_key=f"coach_feedback:{row.id}"
    )
    return FeedbackOutcome.SENT if queued is not None else FeedbackOutcome.UNREACHABLE
