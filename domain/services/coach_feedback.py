"""Coach feedback on check-ins: a reaction (👏, 💪, ❤️) or a comment on one check-in.

Each is one ``coach_feedback`` row with a unique ``request_key``: the first writer wins, and a Slack
retry, a double click or the same reaction from the web adds nothing (so nothing is sent twice). The
check-in notice a coach reads in Slack is queued here too, one per check-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound, ValidationError
from domain.models import CheckIn, Client, Coach, CoachFeedback
from domain.reasons.feedback import FeedbackProblems
from domain.services.audit import record_audit_event
from domain.services.outbox import enqueue_message
from domain.services.unique_rows import insert_unless_taken

# The reactions a coach can send, by the short name buttons and forms carry.
REACTIONS: dict[str, str] = {"clap": "👏", "muscle": "💪", "heart": "❤️"}
COMMENT_MAX_CHARS = 1000
REQUEST_KEY_MAX_CHARS = 160  # CoachFeedback.request_key column width
SOURCES = frozenset({"slack", "web"})
REACTION, COMMENT = "reaction", "comment"
# Outbox payload type of the notice a coach gets in Slack for each check-in (rendered from the row).
CHECK_IN_NOTICE = "check_in_notice"


@dataclass(frozen=True, slots=True)
class FeedbackTarget:
    check_in: CheckIn
    client: Client


async def check_in_of_coach(
    session: AsyncSession, check_in_id: int, *, coach_id: int, is_admin: bool = False
) -> FeedbackTarget:
    """The check-in and its client when the client is the coach's (any client, for an admin)."""
    check_in = await session.get(CheckIn, check_in_id)
    client = await session.get(Client, check_in.client_id) if check_in is not None else None
    if check_in is None or client is None or (not is_admin and client.coach_id != coach_id):
        raise NotFound(FeedbackProblems.NO_CHECK_IN(check_in=check_in_id), field="check_in")
    return FeedbackTarget(check_in, client)


def reaction_key(check_in_id: int, coach_id: int, reaction: str) -> str:
    """One reaction of each kind per coach and check-in, wherever it was pressed."""
    return f"reaction:{check_in_id}:{coach_id}:{reaction}"


def checked_comment(text: str) -> str:
    comment = text.strip()
    if not comment:
        raise ValidationError(FeedbackProblems.EMPTY_COMMENT(), field="comment")
    if len(comment) > COMMENT_MAX_CHARS:
        too_long = FeedbackProblems.COMMENT_TOO_LONG(limit=COMMENT_MAX_CHARS, length=len(comment))
        raise ValidationError(too_long, field="comment")
    return comment


def checked_reaction(name: str) -> str:
    if name not in REACTIONS:
        unknown = FeedbackProblems.UNKNOWN_REACTION(reaction=repr(name[:20]), known=", ".join(REACTIONS))
        raise ValidationError(unknown, field="reaction")
    return name


async def record_feedback(
    session: AsyncSession,
    target: FeedbackTarget,
    *,
    coach_id: int,
    source: str,
    request_key: str,
    reaction: str | None = None,
    comment: str | None = None,
) -> CoachFeedback | None:
    """Store one reaction or comment; None when its ``request_key`` was stored before (nothing to send)."""
    if (reaction is None) == (comment is None):
        raise ValidationError("give a reaction or a comment", field="reaction")
    if source not in SOURCES:
        raise ValidationError(f"unknown source {source!r}", field="source")
    if not request_key or len(request_key) > REQUEST_KEY_MAX_CHARS:
        raise ValidationError("a request key of 1 to 160 characters is needed", field="request_key")
    values = {
        "check_in_id": target.check_in.id,
        "client_id": target.client.id,
        "coach_id": coach_id,
        "kind": REACTION if reaction is not None else COMMENT,
        "reaction": checked_reaction(reaction) if reaction is not None else None,
        "comment": checked_comment(comment) if comment is not None else None,
        "source": source,
        "request_key": request_key,
    }
    if not await insert_unless_taken(session, CoachFeedback, values, unique=["request_key"]):
        return None
    row = await session.scalar(select(CoachFeedback).where(CoachFeedback.request_key == request_key))
    assert row is not None
    await record_audit_event(
        session,
        actor=f"coach:{coach_id}",
        action=f"coach_feedback.{row.kind}",
        subject=f"client:{target.client.id}",
        details={"check_in_id": target.check_in.id, "reaction": row.reaction, "source": source},
    )
    return row


async def feedback_on(session: AsyncSession, check_in_ids: Sequence[int]) -> dict[int, list[CoachFeedback]]:
    """The feedback given on these check-ins, oldest first, by check-in id."""
    if not check_in_ids:
        return {}
    rows = await session.scalars(
        select(CoachFeedback)
        .where(CoachFeedback.check_in_id.in_(list(check_in_ids)))
        .order_by(CoachFeedback.id)
    )
    found: dict[int, list[CoachFeedback]] = {}
    for row in rows:
        found.setdefault(row.check_in_id, []).append(row)
    return found


async def feedback_count(session: AsyncSession, check_in_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(CoachFeedback).where(CoachFeedback.check_in_id == check_in_id)
        )
        or 0
    )


async def queue_check_in_notices(session: AsyncSession, check_ins: Sequence[tuple[int, int]]) -> int:
    """Queue the Slack notice of each (check-in id, client id) whose coach reads Slack (one SELECT for
    the batch); the notice is rendered from the stored check-in when it is sent. Returns how many."""
    if not check_ins:
        return 0
    targets = {
        client_id: channel or user
        for client_id, channel, user in await session.execute(
            select(Client.id, Coach.slack_channel_id, Coach.slack_user_id)
            .join(Coach, Coach.id == Client.coach_id)
            .where(Client.id.in_({client_id for _c, client_id in check_ins}))
        )
        if channel or user
    }
    queued = 0
    for check_in_id, client_id in check_ins:
        target = targets.get(client_id)
        if target is None:
            continue
        await enqueue_message(
            session,
            platform="slack",
            chat_id=target,
            payload={
                "type": CHECK_IN_NOTICE,
                "kind": "check_in",
                "check_in_id": check_in_id,
                "client_id": client_id,
            },
            dedupe_key=f"check_in_notice:{check_in_id}",
        )
        queued += 1
    return queued
