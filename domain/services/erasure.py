"""Erasing a client on request (the right to erasure), in the caller's transaction.

Every table that can point at a client has a decision (a test fails when a new one has none):

- **erased**: check-ins, goals, feedback, relayed messages and coach threads, reminders, stored files,
  the announcements they were sent and their opt-out of announcements,
  enrollments, consents, channel identities, the conversation state, inbox updates and
  processed-message keys of those identities, outbound messages to the client's own chats or about them (a coach notice or relay
  naming their id), cached insights about them, and the client row.
- **kept, detached**: payments and subscriptions (accounting law). Their ``client_id`` cannot be NULL,
  so they move to one anonymous "erased clients" record (status ``erased``, no coach, no identity,
  skipped by every planner); their enrollment link is dropped with the enrollment. Amounts, dates and
  provider ids stay. Dunning cases hang off subscriptions and hold nothing personal.
- **kept, anonymised**: audit events. The client's platform ids as actor or subject become
  ``client:ID``, and their full name and email are cut out of event details.

Files follow :mod:`domain.services.files`: rows here, paths in the report, unlinked after the commit.

Telegram's idempotency keys name an update, not a user: their stored replies go when they name the
person (full name or email), the rest with the 7-day retention purge. Out of reach here, and said so
in the README: messages already delivered to a chat or mailbox, and the customer record at the
payment provider.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, delete, false, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from domain.errors import NotFound
from domain.models import (
    AnnouncementOptOut,
    AnnouncementRecipient,
    AuditEvent,
    Booking,
    ChannelIdentity,
    CheckIn,
    CheckInAnswer,
    Client,
    CoachFeedback,
    CoachNote,
    CoachThread,
    CohortReply,
    ConsentRecord,
    ConversationState,
    EmailVerification,
    Enrollment,
    EnrollmentProgress,
    Feedback,
    Goal,
    InboxUpdate,
    InsightCache,
    Message,
    OutboundMessage,
    Payment,
    ProcessedMessage,
    Reminder,
    StepRelease,
    StoredFile,
    Subscription,
    SupportMessage,
    SupportTicket,
    SystemFeedback,
    TaskTick,
)
from domain.models.enums import ClientStatus
from domain.reasons.coaching import ClientProblems
from domain.services.audit import record_audit_event
from domain.services.files import erase_client_files
from domain.services.notices import notify_coach
from domain.services.payments import ACTIVE_SUBSCRIPTION_STATUSES

ERASED_CLIENTS_NAME = "Erased clients"
ERASED_TEXT = "[erased]"
COACH_NOTICE_KIND = "client_erased"
COACH_NOTICE = (
    "{first_name}'s personal data has been erased at their request: profile, check-ins, goals, messages "
    "and files. Their payment records are kept for accounting, without their name."
)
# Erased by the retention policy (domain.services.retention.erase_closed_clients), not on request.
COACH_NOTICE_RETENTION = (
    "{first_name}'s personal data has been erased: nothing had happened on their account for {days} days "
    "since it closed (COACH_RETENTION_CLOSED_CLIENTS_DAYS). Their payment records are kept for "
    "accounting, without their name."
)


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """Rows per table: ``erased`` were deleted, ``kept`` stay without the person (payments and
    subscriptions detached, audit events anonymised). ``file_paths`` are unlinked after the commit."""

    client_id: int
    erased: dict[str, int]
    kept: dict[str, int]
    file_paths: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class _Person:
    """What points at the client in rows that do not carry their id."""

    client: Client
    identities: tuple[tuple[str, str], ...]
    """(platform, external user id) of each channel identity."""
    chats: tuple[tuple[str, str], ...]
    """(platform, chat id) the client alone is reached on: a chat shared with someone else is kept."""


async def renewing_subscriptions(session: AsyncSession, client_id: int) -> int:
    """Subscriptions that will charge the client again: erasure keeps their records but cannot stop
    the provider, so they should be cancelled (at period end) first."""
    found = await session.scalar(
        select(func.count())
        .select_from(Subscription)
        .where(
            Subscription.client_id == client_id,
            Subscription.status.in_(ACTIVE_SUBSCRIPTION_STATUSES),
            Subscription.cancel_at_period_end.is_(False),
        )
    )
    return int(found or 0)


async def preview_erasure(session: AsyncSession, client_id: int) -> ErasureReport:
    """What :func:`erase_client` would do, counted without changing anything."""
    person = await _person(session, client_id)
    erased = {
        table: await _count(session, model, where)
        for table, model, where in _erased_rows(person, _dialect(session))
    }
    erased["stored_files"] = await _count(session, StoredFile, StoredFile.client_id == client_id)
    erased["clients"] = 1
    kept = {
        "payments": await _count(session, Payment, Payment.client_id == client_id),
        "subscriptions": await _count(session, Subscription, Subscription.client_id == client_id),
        "audit_events": len(await _audit_events_naming(session, person)),
    }
    return ErasureReport(client_id, erased, kept)


async def erase_client(
    session: AsyncSession, client_id: int, *, actor: str, retention_days: int | None = None
) -> ErasureReport:
    """Erase the client (see the module docstring) and tell their coach; ``NotFound`` when there is no
    such client (also on a second call). The caller commits, then unlinks ``report.file_paths``.
    ``retention_days``: erased by the retention policy after that many idle days, not on request."""
    person = await _person(session, client_id, lock=True)
    client = person.client
    kept = {
        "payments": await _detach(session, Payment, client_id),
        "subscriptions": await _detach(session, Subscription, client_id),
        "audit_events": await _anonymise_audit_events(session, person),
    }
    erased: dict[str, int] = {}
    file_paths = await erase_client_files(session, client_id, actor=actor)
    erased["stored_files"] = len(file_paths)
    for table, model, where in _erased_rows(person, _dialect(session)):
        result = await session.execute(
            delete(model).where(where).execution_options(synchronize_session=False)
        )
        erased[table] = _rowcount(result)
    if client.coach_id is not None:
        # Queued while the client row still exists; ``client_id=None`` so the notice never looks
        # the erased client up, and only the first name travels.
        await notify_coach(
            session,
            coach_id=client.coach_id,
            kind=COACH_NOTICE_KIND,
            text=(
                COACH_NOTICE.format(first_name=_first_name(client))
                if retention_days is None
                else COACH_NOTICE_RETENTION.format(first_name=_first_name(client), days=retention_days)
            ),
            client_id=None,
            values={"first_name": _first_name(client), "days": retention_days},
        )
    await session.delete(client)
    await session.flush()
    erased["clients"] = 1
    await record_audit_event(
        session,
        actor=actor,
        action="client.erased",
        subject=f"client:{client_id}",
        details={"erased": erased, "kept": kept},
    )
    return ErasureReport(client_id, erased, kept, tuple(file_paths))


# -- the person ---------------------------------------------------------------------------------------


async def _person(session: AsyncSession, client_id: int, *, lock: bool = False) -> _Person:
    # Locked (PostgreSQL) so that a concurrent insert pointing at the client waits and then fails on
    # its foreign key instead of leaving a row behind that this erasure did not see.
    client = await session.get(Client, client_id, with_for_update=lock)
    if client is None or client.status == ClientStatus.ERASED:
        raise NotFound(ClientProblems.NO_CLIENT(client=client_id))
    rows = (
        await session.execute(
            select(ChannelIdentity.platform, ChannelIdentity.external_user_id, ChannelIdentity.chat_id)
            .where(ChannelIdentity.client_id == client_id)
            .order_by(ChannelIdentity.id)
        )
    ).all()
    mine = {(platform, chat_id) for platform, _user, chat_id in rows}
    shared: set[tuple[str, str]] = set()
    if mine:
        shared = {
            (platform, chat_id)
            for platform, chat_id in (
                await session.execute(
                    select(ChannelIdentity.platform, ChannelIdentity.chat_id).where(
                        tuple_(ChannelIdentity.platform, ChannelIdentity.chat_id).in_(sorted(mine)),
                        or_(ChannelIdentity.client_id.is_(None), ChannelIdentity.client_id != client_id),
                    )
                )
            ).all()
        }
    chats = mine - shared
    if client.email and not await session.scalar(
        select(Client.id).where(Client.email == client.email, Client.id != client_id).limit(1)
    ):
        chats.add(("email", client.email))
    pending = await session.scalar(
        select(EmailVerification.email).where(EmailVerification.client_id == client.id)
    )
    if pending and not await session.scalar(select(Client.id).where(Client.email == pending).limit(1)):
        chats.add(("email", pending))  # the code email to an address not confirmed yet
    return _Person(
        client,
        identities=tuple((platform, user) for platform, user, _chat in rows),
        chats=tuple(sorted(chats)),
    )


def _erased_rows(person: _Person, dialect: str) -> list[tuple[str, Any, ColumnElement[bool]]]:
    """(table, model, rows of the person) in an order the foreign keys allow; files are separate."""
    client_id = person.client.id
    enrollment_ids = select(Enrollment.id).where(Enrollment.client_id == client_id)
    return [
        (
            "outbound_messages",
            OutboundMessage,
            or_(
                _pair_in(OutboundMessage.platform, OutboundMessage.chat_id, person.chats),
                OutboundMessage.client_id == client_id,
            ),
        ),
        ("reminders", Reminder, Reminder.client_id == client_id),
        ("bookings", Booking, Booking.client_id == client_id),
        ("email_verifications", EmailVerification, EmailVerification.client_id == client_id),
        ("coach_threads", CoachThread, CoachThread.client_id == client_id),
        ("coach_notes", CoachNote, CoachNote.client_id == client_id),
        ("messages", Message, Message.client_id == client_id),
        ("feedback", Feedback, Feedback.client_id == client_id),
        ("system_feedback", SystemFeedback, SystemFeedback.client_id == client_id),
        (
            "support_messages",
            SupportMessage,
            SupportMessage.ticket_id.in_(
                select(SupportTicket.id).where(SupportTicket.client_id == client_id)
            ),
        ),
        ("support_tickets", SupportTicket, SupportTicket.client_id == client_id),
        ("announcement_recipients", AnnouncementRecipient, AnnouncementRecipient.client_id == client_id),
        ("announcement_opt_outs", AnnouncementOptOut, AnnouncementOptOut.client_id == client_id),
        ("coach_feedback", CoachFeedback, CoachFeedback.client_id == client_id),
        (
            "cohort_replies",
            CohortReply,
            or_(
                CohortReply.client_id == client_id,
                CohortReply.external_user_id.in_(
                    [user for platform, user in person.identities if platform == "telegram"]
                ),
            ),
        ),
        ("checkin_answers", CheckInAnswer, CheckInAnswer.client_id == client_id),
        ("check_ins", CheckIn, CheckIn.client_id == client_id),
        ("goals", Goal, Goal.client_id == client_id),
        ("insight_cache", InsightCache, _json_int_is(InsightCache.content, "client_id", client_id, dialect)),
        (
            "conversation_states",
            ConversationState,
            _pair_in(ConversationState.platform, ConversationState.external_user_id, person.identities),
        ),
        (
            "processed_messages",
            ProcessedMessage,
            # Keys are "platform:chat:message" unless the channel names them otherwise (Telegram's
            # "telegram:update:<id>"): those are the keys of the person's inbox rows, and any
            # stored replies naming the person (full name or email) go too (replies stored in
            # plain text: written before 0033, or without COACH_ENCRYPTION_KEYS).
            or_(
                false(),
                *(
                    ProcessedMessage.idempotency_key.startswith(f"{platform}:{chat}:", autoescape=True)
                    for platform, chat in person.chats
                ),
                ProcessedMessage.idempotency_key.in_(select(InboxUpdate.key).where(_inbox_rows(person))),
                _json_mentions(ProcessedMessage.replies, person.client),
            ),
        ),
        ("inbox_updates", InboxUpdate, _inbox_rows(person)),
        (
            "consent_records",
            ConsentRecord,
            or_(
                ConsentRecord.client_id == client_id,
                _pair_in(ConsentRecord.platform, ConsentRecord.external_user_id, person.identities),
            ),
        ),
        ("step_releases", StepRelease, StepRelease.enrollment_id.in_(enrollment_ids)),
        ("task_ticks", TaskTick, TaskTick.enrollment_id.in_(enrollment_ids)),
        ("enrollment_progress", EnrollmentProgress, EnrollmentProgress.enrollment_id.in_(enrollment_ids)),
        ("enrollments", Enrollment, Enrollment.client_id == client_id),
        ("channel_identities", ChannelIdentity, ChannelIdentity.client_id == client_id),
    ]


def _inbox_rows(person: _Person) -> ColumnElement[bool]:
    """Updates the person sent (the raw payload holds their name and words), or sent to their chats."""
    return or_(
        _pair_in(InboxUpdate.platform, InboxUpdate.external_user_id, person.identities),
        _pair_in(InboxUpdate.platform, InboxUpdate.lane, person.chats),
    )


def _json_mentions(column: Any, client: Client) -> ColumnElement[bool]:
    """The JSON ``column`` holds the client's full name or email (in either JSON spelling)."""
    as_text = func.lower(cast(column, Text))
    return or_(
        false(),
        *(
            as_text.contains(spelling, autoescape=True)
            for needle in _needles(client)
            for spelling in {needle, json.dumps(needle)[1:-1]}
        ),
    )


def _pair_in(first: Any, second: Any, pairs: tuple[tuple[str, str], ...]) -> ColumnElement[bool]:
    return tuple_(first, second).in_(list(pairs)) if pairs else false()


def _json_int_is(column: Any, key: str, value: int, dialect: str) -> ColumnElement[bool]:
    """``column[key] == value`` for an integer in a JSON column. PostgreSQL compares the text form
    (a cast would fail on a non-number); SQLite's ``JSON_EXTRACT`` already yields the integer."""
    if dialect == "postgresql":
        return column[key].as_string() == str(value)  # type: ignore[no-any-return]
    return column[key].as_integer() == value  # type: ignore[no-any-return]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


# -- kept rows ------------------------------------------------------------------------------------------


async def _detach(session: AsyncSession, model: type[Payment] | type[Subscription], client_id: int) -> int:
    """Move the client's money records to the anonymous record; their enrollment is being erased."""
    if not await _count(session, model, model.client_id == client_id):
        return 0
    result = await session.execute(
        update(model)
        .where(model.client_id == client_id)
        .values(client_id=await _erased_clients_id(session), enrollment_id=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def _erased_clients_id(session: AsyncSession) -> int:
    """The anonymous record detached payments belong to, created on first use."""
    found = await session.scalar(
        select(Client.id).where(Client.status == ClientStatus.ERASED).order_by(Client.id).limit(1)
    )
    if found is not None:
        return found
    record = Client(display_name=ERASED_CLIENTS_NAME, status=ClientStatus.ERASED)
    session.add(record)
    await session.flush()
    return record.id


async def _audit_events_naming(session: AsyncSession, person: _Person) -> list[AuditEvent]:
    """Audit events that name the person: by platform id as actor or subject, or (found by a text
    search, confirmed by :func:`_scrub`) by full name or email anywhere in the details."""
    refs = [f"{platform}:{user}" for platform, user in person.identities]
    details_text = func.lower(cast(AuditEvent.details, Text))
    conditions: list[ColumnElement[bool]] = [AuditEvent.actor.in_(refs), AuditEvent.subject.in_(refs)]
    for needle in _needles(person.client):
        # JSON is stored with non-ASCII escaped (\u00e9), so both spellings are searched.
        for spelling in {needle, json.dumps(needle)[1:-1]}:
            conditions.append(details_text.contains(spelling, autoescape=True))
    candidates = (await session.scalars(select(AuditEvent).where(or_(*conditions)))).all()
    pattern = _names_pattern(person.client)
    return [
        event
        for event in candidates
        if event.actor in refs or event.subject in refs or _scrub(event.details, pattern) != event.details
    ]


async def _anonymise_audit_events(session: AsyncSession, person: _Person) -> int:
    refs = {f"{platform}:{user}" for platform, user in person.identities}
    pseudonym = f"client:{person.client.id}"
    pattern = _names_pattern(person.client)
    events = await _audit_events_naming(session, person)
    for event in events:
        event.actor = pseudonym if event.actor in refs else event.actor
        event.subject = pseudonym if event.subject in refs else event.subject
        event.details = _scrub(event.details, pattern)  # a new object, so the JSON change is seen
    await session.flush()
    return len(events)


def _first_name(client: Client) -> str:
    return (client.display_name.split() or ["Your client"])[0]


def _needles(client: Client) -> list[str]:
    return [value.lower() for value in (client.display_name, client.email) if value]


def _names_pattern(client: Client) -> re.Pattern[str]:
    """The client's full name or email as whole words, in any case."""
    names = "|".join(re.escape(value) for value in (client.display_name, client.email) if value)
    return re.compile(rf"(?<!\w)(?:{names})(?!\w)", re.IGNORECASE)


def _scrub(value: Any, pattern: re.Pattern[str]) -> Any:
    """``value`` (JSON data) with every match of ``pattern`` in its strings replaced."""
    if isinstance(value, str):
        return pattern.sub(ERASED_TEXT, value)
    if isinstance(value, list):
        return [_scrub(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, pattern) for key, item in value.items()}
    return value


async def _count(session: AsyncSession, model: Any, where: ColumnElement[bool]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(where)) or 0)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
