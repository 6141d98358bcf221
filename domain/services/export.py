"""Everything held about one client, as plain JSON-ready data (subject access requests)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from domain.models import (
    AnnouncementOptOut,
    AnnouncementRecipient,
    AuditEvent,
    Booking,
    ChannelIdentity,
    CheckIn,
    CheckInAnswer,
    CoachFeedback,
    CoachNote,
    CohortReply,
    ConsentRecord,
    Enrollment,
    EnrollmentProgress,
    Feedback,
    Goal,
    Message,
    Payment,
    StepRelease,
    Subscription,
    SupportMessage,
    SupportTicket,
    SystemFeedback,
    TaskTick,
)
from domain.services.clients import get_client

EXPORT_KEYS = (
    "client",
    "identities",
    "consents",
    "enrollments",
    "goals",
    "check_ins",
    "checkin_answers",
    "program_progress",
    "step_releases",
    "task_ticks",
    "payments",
    "subscriptions",
    "messages",
    "feedback",
    "system_feedback",
    "support_tickets",
    "support_messages",
    "coach_feedback",
    "bookings",
    "cohort_replies",
    "coach_notes",
    "announcements",
    "audit_events",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row_to_dict(row: DeclarativeBase) -> dict[str, Any]:
    return {col.key: _plain(getattr(row, col.key)) for col in row.__mapper__.column_attrs}


async def export_client(session: AsyncSession, client_id: int, *, for_client: bool = False) -> dict[str, Any]:
    """Everything held about a client (``coach export``, a subject access request). ``for_client``: the
    copy the client downloads themselves (``/mydata``), without the coach's private notes, which the
    workspace promises the client never sees."""
    client = await get_client(session, client_id)

    async def rows(model: Any, *where: Any) -> list[dict[str, Any]]:
        result = await session.scalars(select(model).where(*where).order_by(model.id))
        return [row_to_dict(r) for r in result.all()]

    identities = await rows(ChannelIdentity, ChannelIdentity.client_id == client_id)
    external_ids = [(i["platform"], i["external_user_id"]) for i in identities]
    consent_match = [ConsentRecord.client_id == client_id] + [
        (ConsentRecord.platform == p) & (ConsentRecord.external_user_id == e) for p, e in external_ids
    ]
    enrollment_ids = select(Enrollment.id).where(Enrollment.client_id == client_id)
    subjects = [f"client:{client_id}"] + [f"{p}:{e}" for p, e in external_ids]
    return {
        "client": row_to_dict(client),
        "identities": identities,
        "consents": await rows(ConsentRecord, or_(*consent_match)),
        "enrollments": await rows(Enrollment, Enrollment.client_id == client_id),
        "goals": await rows(Goal, Goal.client_id == client_id),
        "check_ins": await rows(CheckIn, CheckIn.client_id == client_id),
        # Answers to the program's own check-in questions, typed ({"value": ...}).
        "checkin_answers": await rows(CheckInAnswer, CheckInAnswer.client_id == client_id),
        "program_progress": await rows(
            EnrollmentProgress, EnrollmentProgress.enrollment_id.in_(enrollment_ids)
        ),
        "step_releases": await rows(StepRelease, StepRelease.enrollment_id.in_(enrollment_ids)),
        "task_ticks": await rows(TaskTick, TaskTick.enrollment_id.in_(enrollment_ids)),
        "payments": await rows(Payment, Payment.client_id == client_id),
        "subscriptions": await rows(Subscription, Subscription.client_id == client_id),
        "messages": await rows(Message, Message.client_id == client_id),
        "feedback": await rows(Feedback, Feedback.client_id == client_id),
        "system_feedback": await rows(SystemFeedback, SystemFeedback.client_id == client_id),
        "support_tickets": await rows(SupportTicket, SupportTicket.client_id == client_id),
        "support_messages": await rows(
            SupportMessage,
            SupportMessage.ticket_id.in_(
                select(SupportTicket.id).where(SupportTicket.client_id == client_id)
            ),
        ),
        # What their coach sent them about their check-ins (reactions and comments).
        "coach_feedback": await rows(CoachFeedback, CoachFeedback.client_id == client_id),
        "bookings": await rows(Booking, Booking.client_id == client_id),
        # Their answers to their cohort group's weekly check-in (run minutes).
        "cohort_replies": await rows(CohortReply, CohortReply.client_id == client_id),
        # A coach's private notes are personal data about the client too (a subject access request).
        "coach_notes": [] if for_client else await rows(CoachNote, CoachNote.client_id == client_id),
        # Which announcements were addressed to them and what became of each; and their opt-out.
        "announcements": {
            "received": await rows(AnnouncementRecipient, AnnouncementRecipient.client_id == client_id),
            "opted_out_at": _plain(
                await session.scalar(
                    select(AnnouncementOptOut.at).where(AnnouncementOptOut.client_id == client_id)
                )
            ),
        },
        "audit_events": await rows(
            AuditEvent, or_(AuditEvent.subject.in_(subjects), AuditEvent.actor.in_(subjects))
        ),
    }
