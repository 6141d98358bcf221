"""Announcements: a coach's message to all their clients, a program's clients, or a segment.

A coach (or an admin, for any coach) writes one; from Slack and the web it is first a ``draft`` shown
as a preview, and confirming it schedules it (the CLI schedules at once). When it is due, the
scheduler expands its recipients in chunks of clients (:func:`expand_next_chunk`, one transaction
each): per chunk one statement queues the outbox messages and one writes a row per (announcement,
client), both keyed so that a chunk done again adds nothing. The outbound sender delivers them
within the platforms' limits like any other outbox row. When no message is left in flight,
:func:`finish_delivered` stores the delivery report (sent, failed, opted out, blocked) and sends it
to the coach as a notice.

Segments are the Clients page's filters (:class:`domain.services.client_roster.RosterFilter`),
evaluated when the announcement goes out, not when it was written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, exists, false, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from domain.clock import ensure_utc
from domain.errors import NotFound, ValidationError
from domain.keysets import among
from domain.models import (
    Announcement,
    AnnouncementOptOut,
    AnnouncementRecipient,
    ChannelIdentity,
    Client,
    Coach,
    Enrollment,
    OutboundMessage,
    Program,
)
from domain.models.enums import ClientStatus, DeliveryStatus, Platform
from domain.reasons import Count, Reason
from domain.reasons.announcements import AnnouncementAudience, AnnouncementProblems
from domain.services.audit import record_audit_event
from domain.services.client_email import email_extras, prefers_email, unsubscribe_secret
from domain.services.client_roster import RosterFilter, filter_members
from domain.services.notices import notify_coach
from domain.services.program_versions import OPEN_STATUSES

# sendMessage text: "1-4096 characters after entities parsing" (Telegram Bot API, sendMessage); the
# smallest of the chat platforms' limits (Slack takes 40,000; the console has none).
TELEGRAM_TEXT_MAX = 4096
# Room left in a message for the frame around the coach's words (their name, the opt-out line, in the
# client's language): conversations/announcement_wording.py keeps to it.
FRAME_RESERVE = 400
# The longest announcement a coach may write: it must fit one Telegram message with its frame.
ANNOUNCEMENT_TEXT_MAX = TELEGRAM_TEXT_MAX - FRAME_RESERVE
# Clients looked at per expansion transaction (one outbox statement and one recipients statement).
EXPAND_CHUNK = 500
# A time this little in the past still counts as "now" (a form filled in a minute ago).
PAST_TOLERANCE = timedelta(minutes=1)
PREVIEW_CHARS = 60
NOTICE_KIND = "announcement_report"
DEDUPE_PREFIX = "announcement"
# Clients an announcement never goes to.
NOT_ADDRESSED = (ClientStatus.ERASED, ClientStatus.ARCHIVED)
# "Everyone" (no segment): the word the forms and commands accept for it.
EVERYONE = "all"
SEGMENTS = (EVERYONE, *(f.value for f in RosterFilter))

Wording = Callable[[str, str, str], dict[str, Any]]
"""(coach name, announcement text, client's locale) → the outbox payload
(``conversations.announcement_wording.announcement_payload``)."""


class AnnouncementStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    EXPANDING = "expanding"
    SENDING = "sending"
    DONE = "done"


class Outcome(StrEnum):
    QUEUED = "queued"
    OPTED_OUT = "opted_out"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """Where each recipient's message stands. ``blocked``: no chat reaches the client (none known, or
    the platform said they blocked the bot); ``held``: waiting for a console client to open
    ``coach chat``; ``pending``: still queued or being sent."""

    sent: int = 0
    failed: int = 0
    opted_out: int = 0
    blocked: int = 0
    held: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.opted_out + self.blocked + self.held + self.pending

    @property
    def finished(self) -> bool:
        return not self.pending

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def line(self) -> str:
        parts = [
            f"{self.sent} sent",
            f"{self.failed} failed",
            f"{self.opted_out} opted out",
            f"{self.blocked} blocked",
        ]
        if self.held:
            parts.append(f"{self.held} waiting for their console chat")
        if self.pending:
            parts.append(f"{self.pending} on their way")
        return ", ".join(parts)


def dedupe_key(announcement_id: int, client_id: int) -> str:
    return f"{DEDUPE_PREFIX}:{announcement_id}:{client_id}"


def preview(text: str) -> str:
    """The first words of an announcement, for lists and the report."""
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def check_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise ValidationError(AnnouncementProblems.EMPTY(), field="text")
    if len(cleaned) > ANNOUNCEMENT_TEXT_MAX:
        raise ValidationError(
            AnnouncementProblems.TOO_LONG(
                length=Count(len(cleaned)),
                limit=Count(ANNOUNCEMENT_TEXT_MAX),
                telegram=Count(TELEGRAM_TEXT_MAX),
            ),
            field="text",
        )
    return cleaned


def check_segment(segment: str | None) -> str | None:
    """None for everyone (also ``all``); else one of the Clients page's filters."""
    if segment is None:
        return None
    name = segment.strip().lower()
    if name in ("", EVERYONE):
        return None
    if name not in {f.value for f in RosterFilter}:
        raise ValidationError(
            AnnouncementProblems.UNKNOWN_SEGMENT(segment=segment, segments=", ".join(SEGMENTS)),
            field="segment",
        )
    return name


def check_send_at(send_at: datetime | None, now: datetime) -> datetime | None:
    if send_at is None:
        return None
    if send_at.tzinfo is None:
        raise ValidationError(AnnouncementProblems.NEEDS_OFFSET(), field="at")
    at = ensure_utc(send_at)
    if at < now - PAST_TOLERANCE:
        raise ValidationError(AnnouncementProblems.IN_THE_PAST(moment=f"{at:%Y-%m-%d %H:%M}"), field="at")
    return at


async def _coach(session: AsyncSession, coach_id: int) -> Coach:
    coach = await session.get(Coach, coach_id)
    if coach is None:
        raise NotFound(AnnouncementProblems.NO_COACH(coach=coach_id))
    return coach


async def _program(session: AsyncSession, coach_id: int, program_id: int | None) -> Program | None:
    if program_id is None:
        return None
    program = await session.get(Program, program_id)
    if program is None or program.coach_id != coach_id:
        raise NotFound(AnnouncementProblems.NO_PROGRAM(coach=coach_id, program=program_id), field="program")
    return program


async def create_announcement(
    session: AsyncSession,
    *,
    coach_id: int,
    text: str,
    now: datetime,
    actor: str,
    program_id: int | None = None,
    segment: str | None = None,
    send_at: datetime | None = None,
    draft: bool = False,
) -> Announcement:
    """A checked announcement: a ``draft`` to confirm, or scheduled (at ``send_at``, else now).
    Raises ValidationError (empty, too long, unknown segment, a time in the past) or NotFound."""
    await _coach(session, coach_id)
    cleaned = check_text(text)
    chosen = check_segment(segment)
    at = check_send_at(send_at, now)
    await _program(session, coach_id, program_id)
    announcement = Announcement(
        coach_id=coach_id,
        program_id=program_id,
        segment=chosen,
        text=cleaned,
        status=AnnouncementStatus.DRAFT if draft else AnnouncementStatus.SCHEDULED,
        send_at=at if draft else (at or now),
        created_by=actor[:64],
        created_at=now,
        expanded_through=0,
    )
    session.add(announcement)
    await session.flush()
    if not draft:
        await _audit_scheduled(session, announcement, actor)
    return announcement


async def _audit_scheduled(session: AsyncSession, announcement: Announcement, actor: str) -> None:
    await record_audit_event(
        session,
        actor=actor,
        action="announcement.scheduled",
        subject=f"coach:{announcement.coach_id}",
        details={"announcement_id": announcement.id, "segment": announcement.segment},
    )


async def get_announcement(
    session: AsyncSession, announcement_id: int, *, coach_id: int | None
) -> Announcement:
    """The announcement; with ``coach_id`` only that coach's (None: an admin sees every one)."""
    announcement = await session.get(Announcement, announcement_id)
    if announcement is None or (coach_id is not None and announcement.coach_id != coach_id):
        raise NotFound(AnnouncementProblems.NO_ANNOUNCEMENT(announcement=announcement_id))
    return announcement


async def confirm_announcement(
    session: AsyncSession, announcement_id: int, *, coach_id: int | None, now: datetime, actor: str
) -> Announcement:
    """Schedule a draft (a draft without a time goes now). Confirming twice (a double click) changes
    nothing; a draft whose time passed while it was shown is refused."""
    announcement = await get_announcement(session, announcement_id, coach_id=coach_id)
    if announcement.status != AnnouncementStatus.DRAFT:
        return announcement
    if announcement.send_at is not None:
        check_send_at(announcement.send_at, now)
    announcement.send_at = announcement.send_at or now
    announcement.status = AnnouncementStatus.SCHEDULED
    await session.flush()
    await _audit_scheduled(session, announcement, actor)
    return announcement


def _addressed(coach_id: int, program_id: int | None) -> Any:
    """The clients an announcement of this coach (and program) is addressed to, before its segment."""
    query = select(Client).where(Client.coach_id == coach_id, Client.status.not_in(NOT_ADDRESSED))
    if program_id is not None:
        query = query.where(
            exists().where(
                Enrollment.client_id == Client.id,
                Enrollment.program_id == program_id,
                Enrollment.status.in_(OPEN_STATUSES),
            )
        )
    return query


async def audience_size(session: AsyncSession, *, coach_id: int, program_id: int | None) -> int:
    """How many clients the announcement is addressed to before its segment (the preview's "up to")."""
    query = _addressed(coach_id, program_id).subquery()
    return int(await session.scalar(select(func.count()).select_from(query)) or 0)


# A segment's name as the audience says it; a segment unknown here (none today) reads as stored.
_SEGMENT_NAMES = {
    RosterFilter.FLAGGED.value: AnnouncementAudience.FLAGGED,
    RosterFilter.MISSED.value: AnnouncementAudience.MISSED,
    RosterFilter.UNPAID.value: AnnouncementAudience.UNPAID,
}


def describe_audience(segment: str | None, program_name: str | None) -> Reason:
    """Whom it is addressed to: "all your clients", "clients in Sleep Reset, flagged only" (a sentence,
    so Slack says it in the coach's language; ``str()`` is the English the CLI prints)."""
    who = (
        AnnouncementAudience.PROGRAM_CLIENTS(program=program_name)
        if program_name
        else AnnouncementAudience.ALL_CLIENTS()
    )
    if not segment:
        return who
    named = _SEGMENT_NAMES.get(segment)
    return AnnouncementAudience.SEGMENT_ONLY(who=who, segment=named() if named else segment.replace("_", " "))


# --- expansion ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expanded:
    announcement_id: int
    queued: int
    finished: bool


async def _targets(session: AsyncSession, clients: Sequence[Client]) -> dict[int, tuple[str, str]]:
    """Each client's chat as :func:`domain.services.outbox.reachable_identities` chooses it (the
    preferred channel first, then the newest identity), for a whole chunk in one query."""
    dialect = session.get_bind().dialect.name
    rows = await session.execute(
        select(ChannelIdentity.client_id, ChannelIdentity.platform, ChannelIdentity.chat_id)
        .where(
            among(ChannelIdentity.client_id.expression, [c.id for c in clients], dialect),
            ChannelIdentity.unreachable.is_(False),
            ChannelIdentity.platform != Platform.EMAIL,
        )
        .order_by(ChannelIdentity.id.desc())
    )
    preferred = {c.id: c.preferred_channel for c in clients}
    targets: dict[int, tuple[str, str]] = {}
    for client_id, platform, chat_id in rows:
        if client_id is None:
            continue
        if platform == Platform.SMS and preferred[client_id] != Platform.SMS:
            continue  # a phone number only while SMS is the client's channel, never as a fallback
        current = targets.get(client_id)
        if current is None or (current[0] != preferred[client_id] and platform == preferred[client_id]):
            targets[client_id] = (platform, chat_id)
    return targets


async def expand_next_chunk(
    session: AsyncSession, *, now: datetime, wording: Wording, chunk: int = EXPAND_CHUNK
) -> Expanded | None:
    """Expand the next chunk of the oldest due announcement (None: nothing is due). Run it in its own
    transaction, again until it returns None; a chunk interrupted before its commit is done again and
    a chunk done twice queues nothing twice (unique outbox keys and recipient rows)."""
    dialect = session.get_bind().dialect.name
    query = (
        select(Announcement)
        .where(
            Announcement.status.in_([AnnouncementStatus.SCHEDULED, AnnouncementStatus.EXPANDING]),
            Announcement.send_at <= now,
        )
        .order_by(Announcement.send_at, Announcement.id)
        .limit(1)
    )
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)  # several workers expand different ones
    announcement = await session.scalar(query)
    if announcement is None:
        return None
    coach = await _coach(session, announcement.coach_id)
    clients = (
        await session.scalars(
            _addressed(announcement.coach_id, announcement.program_id)
            .where(Client.id > announcement.expanded_through)
            .order_by(Client.id)
            .limit(chunk)
        )
    ).all()
    chosen = list(clients)
    if announcement.segment and chosen:
        members = set(await filter_members(session, chosen, RosterFilter(announcement.segment), now=now))
        chosen = [c for c in chosen if c.id in members]
    queued = await _queue_chunk(session, announcement, coach, chosen, now=now, wording=wording)
    if clients:
        announcement.expanded_through = clients[-1].id
    finished = len(clients) < chunk
    announcement.status = AnnouncementStatus.SENDING if finished else AnnouncementStatus.EXPANDING
    await session.flush()
    return Expanded(announcement.id, queued, finished)


async def _queue_chunk(
    session: AsyncSession,
    announcement: Announcement,
    coach: Coach,
    clients: Sequence[Client],
    *,
    now: datetime,
    wording: Wording,
) -> int:
    if not clients:
        return 0
    dialect_name = session.get_bind().dialect.name
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    ids = [c.id for c in clients]
    opted_out = set(
        await session.scalars(
            select(AnnouncementOptOut.client_id).where(
                among(AnnouncementOptOut.client_id.expression, ids, dialect_name)
            )
        )
    )
    targets = await _targets(session, [c for c in clients if c.id not in opted_out])
    # Clients who chose email (confirmed, not unsubscribed, SMTP on) get it by email, with their
    # unsubscribe link (domain.services.client_email).
    by_email = {c.id: c.email for c in clients if c.id not in opted_out and c.email and prefers_email(c)}
    secret = await unsubscribe_secret(session) if by_email else b""
    payloads: dict[str, dict[str, Any]] = {}
    messages = []
    for client in clients:
        address = by_email.get(client.id)
        target = (Platform.EMAIL.value, address) if address else targets.get(client.id)
        if client.id in opted_out or target is None:
            continue
        locale = client.locale or "en"
        if locale not in payloads:
            payloads[locale] = wording(coach.name, announcement.text, locale)
        payload = payloads[locale]
        if address:
            payload = payload | email_extras(secret, client.id, address, locale)
        messages.append(
            {
                "platform": target[0],
                "chat_id": target[1],
                "payload": payload,
                "dedupe_key": dedupe_key(announcement.id, client.id),
                "status": DeliveryStatus.QUEUED,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    outbox_ids: dict[str, int] = {}
    if messages:
        # Parameter lists, not one VALUES clause: the statement is compiled once and cached.
        await session.execute(
            dialect.insert(OutboundMessage).on_conflict_do_nothing(index_elements=["dedupe_key"]), messages
        )
        keys = [m["dedupe_key"] for m in messages]
        found = await session.execute(
            select(OutboundMessage.dedupe_key, OutboundMessage.id).where(
                among(OutboundMessage.dedupe_key.expression, keys, dialect_name)
            )
        )
        outbox_ids = {key: row_id for key, row_id in found if key is not None}
    recipients = []
    for client in clients:
        key = dedupe_key(announcement.id, client.id)
        if client.id in opted_out:
            outcome = Outcome.OPTED_OUT
        elif key in outbox_ids:
            outcome = Outcome.QUEUED
        else:
            outcome = Outcome.BLOCKED
        recipients.append(
            {
                "announcement_id": announcement.id,
                "client_id": client.id,
                "outcome": outcome,
                "outbox_id": outbox_ids.get(key),
            }
        )
    await session.execute(
        dialect.insert(AnnouncementRecipient).on_conflict_do_nothing(
            index_elements=["announcement_id", "client_id"]
        ),
        recipients,
    )
    return len(outbox_ids)


# --- delivery report ------------------------------------------------------------------------


def _console_waiting() -> ColumnElement[bool]:
    """A console client's message waits for them to open ``coach chat`` (the console transport said
    their chat is not open): it is delivered then, not by the sender."""
    return and_(OutboundMessage.platform == Platform.CONSOLE, OutboundMessage.last_error.is_not(None))


async def _on_its_way(session: AsyncSession, announcement_id: int) -> bool:
    """Whether any of its messages is still queued or being sent (one indexed probe: the check that
    runs every few seconds while an announcement is out)."""
    om = OutboundMessage
    found = await session.scalar(
        select(AnnouncementRecipient.id)
        .join(om, om.id == AnnouncementRecipient.outbox_id)
        .where(
            AnnouncementRecipient.announcement_id == announcement_id,
            om.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING]),
            ~_console_waiting(),
        )
        .limit(1)
    )
    return found is not None


async def delivery_report(session: AsyncSession, announcement_id: int) -> DeliveryReport:
    """Where the announcement's messages stand now (one grouped query)."""
    om = OutboundMessage
    recipient = AnnouncementRecipient
    # Probed through the client's identities (indexed by client), not every identity on the platform.
    blocked_chat = (
        exists()
        .where(
            ChannelIdentity.client_id == recipient.client_id,
            ChannelIdentity.platform == om.platform,
            ChannelIdentity.chat_id == om.chat_id,
            ChannelIdentity.unreachable.is_(True),
        )
        .correlate(om, recipient)
    )
    per_recipient = (
        select(
            recipient.outcome.label("outcome"),
            om.status.label("status"),
            _console_waiting().label("console_waiting"),
            # Only a failed message asks whether its chat is blocked (CASE evaluates it for those alone).
            case((om.status == DeliveryStatus.FAILED, blocked_chat), else_=false()).label("blocked"),
        )
        .select_from(recipient)
        .outerjoin(om, om.id == recipient.outbox_id)
        .where(recipient.announcement_id == announcement_id)
        .subquery()
    )
    columns = (
        per_recipient.c.outcome,
        per_recipient.c.status,
        per_recipient.c.console_waiting,
        per_recipient.c.blocked,
    )
    rows = await session.execute(select(*columns, func.count()).group_by(*columns))
    counts: dict[str, int] = dict.fromkeys(("sent", "failed", "opted_out", "blocked", "held", "pending"), 0)
    for outcome, status, console_waiting, blocked, n in rows:
        if outcome == Outcome.OPTED_OUT:
            key = "opted_out"
        elif outcome == Outcome.BLOCKED:
            key = "blocked"
        elif status is None or status == DeliveryStatus.SENT:
            key = "sent"  # an outbox row that is gone was sent and later erased with its chat
        elif status == DeliveryStatus.FAILED:
            key = "blocked" if blocked else "failed"
        else:
            key = "held" if console_waiting else "pending"
        counts[key] += int(n)
    return DeliveryReport(**counts)


def report_text(announcement: Announcement, report: DeliveryReport) -> str:
    return f"Your announcement “{preview(announcement.text)}” has gone out: {report.line()}."


async def finish_delivered(session: AsyncSession, *, now: datetime) -> list[int]:
    """Close every announcement whose messages are all sent, failed or held: its report is stored and
    the coach gets it as a notice (once: keyed by the announcement). Returns their ids."""
    query = select(Announcement).where(Announcement.status == AnnouncementStatus.SENDING)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    finished = []
    for announcement in (await session.scalars(query)).all():
        if await _on_its_way(session, announcement.id):
            continue
        report = await delivery_report(session, announcement.id)
        announcement.report = report.as_dict()
        announcement.status = AnnouncementStatus.DONE
        announcement.finished_at = now
        await notify_coach(
            session,
            coach_id=announcement.coach_id,
            kind=NOTICE_KIND,
            text=report_text(announcement, report),
            data={"announcement": announcement.id, **report.as_dict()},
            values={"preview": preview(announcement.text), **report.as_dict()},
            dedupe_key=f"{NOTICE_KIND}:{announcement.id}",
        )
        finished.append(announcement.id)
    await session.flush()
    return finished


@dataclass(frozen=True, slots=True)
class AnnouncementView:
    """An announcement as the CLI and the web list it."""

    id: int
    coach_id: int
    coach_name: str
    status: str
    audience: Reason
    """Whom it is addressed to (:func:`describe_audience`): ``str()`` in English, ``explain`` it for a coach."""
    segment: str | None
    """None: everyone the audience names; else the segment, taken when it goes out."""
    text: str
    send_at: datetime | None
    created_at: datetime
    finished_at: datetime | None
    report: DeliveryReport | None
    program_name: str | None = None
    """The program whose clients it is addressed to; None: all the coach's clients."""

    @property
    def preview(self) -> str:
        return preview(self.text)


async def announcement_view(session: AsyncSession, announcement: Announcement) -> AnnouncementView:
    """With the stored report once done, else the live counts (once it has recipients)."""
    coach = await _coach(session, announcement.coach_id)
    program = await session.get(Program, announcement.program_id) if announcement.program_id else None
    if announcement.report is not None:
        report: DeliveryReport | None = DeliveryReport(**announcement.report)
    elif announcement.status in (AnnouncementStatus.EXPANDING, AnnouncementStatus.SENDING):
        report = await delivery_report(session, announcement.id)
    else:
        report = None
    return AnnouncementView(
        id=announcement.id,
        coach_id=coach.id,
        coach_name=coach.name,
        status=announcement.status,
        audience=describe_audience(announcement.segment, program.name if program else None),
        segment=announcement.segment,
        text=announcement.text,
        send_at=announcement.send_at,
        created_at=announcement.created_at,
        finished_at=announcement.finished_at,
        report=report,
        program_name=program.name if program else None,
    )


async def list_announcements(
    session: AsyncSession, *, coach_id: int | None, limit: int = 50
) -> list[AnnouncementView]:
    """Newest first; one coach's, or every coach's (None). Drafts never confirmed are left out."""
    query = (
        select(Announcement)
        .where(Announcement.status != AnnouncementStatus.DRAFT)
        .order_by(Announcement.id.desc())
        .limit(limit)
    )
    if coach_id is not None:
        query = query.where(Announcement.coach_id == coach_id)
    return [await announcement_view(session, a) for a in (await session.scalars(query)).all()]


# --- opting out -----------------------------------------------------------------------------


async def receives_announcements(session: AsyncSession, client_id: int) -> bool:
    return await session.get(AnnouncementOptOut, client_id) is None


async def set_receives_announcements(
    session: AsyncSession, client_id: int, wanted: bool, *, now: datetime
) -> None:
    """The client's choice in ``/settings``; applies to announcements expanded from now on."""
    existing = await session.get(AnnouncementOptOut, client_id)
    if wanted and existing is not None:
        await session.delete(existing)
    elif not wanted and existing is None:
        session.add(AnnouncementOptOut(client_id=client_id, at=now))
    await session.flush()
