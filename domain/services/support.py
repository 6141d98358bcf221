"""Support requests (tickets) from clients and coaches to the admins who run the bot.

A ticket goes to every admin (a Slack notice through the outbox, like system feedback), never to the
client's coach. Status: ``open`` while an admin should act, ``answered`` once one replied (the
requester's turn), ``closed`` at the end; a reply to a closed ticket is refused with
:class:`TicketClosed`. Every step is an audit event (without the text, which is encrypted at rest and
erased with the client). A ``request_key`` (a Slack request, a chat update) makes a retried step a no-op.

Telling a client about an admin's reply is the conversations layer's part (in the client's language:
:mod:`conversations.support`); a coach requester gets a Slack notice from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.clock import utcnow
from domain.errors import DomainError, NotFound, PermissionDenied, ValidationError
from domain.models import Client, Coach, SupportMessage, SupportTicket
from domain.models.enums import CoachRole
from domain.reasons import Reason
from domain.reasons.support import SupportProblems, SupportRequesters
from domain.services.audit import record_audit_event
from domain.services.notices import notify_coach
from domain.text import clean_text

TICKET_KIND = "support_ticket"  # a notice to the admins: new ticket or a requester's reply
REPLY_KIND = "support_reply"  # a notice to a coach requester: an admin replied or closed it
PREVIEW_CHARS = 300  # of a message, in a notice; the whole text is in `coach support show`


class TicketStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Author(StrEnum):
    CLIENT = "client"
    COACH = "coach"
    ADMIN = "admin"


class TicketClosed(DomainError):
    code = "ticket_closed"


@dataclass(frozen=True, slots=True)
class Requester:
    """Who opened a ticket: a client or a coach (exactly one)."""

    client_id: int | None = None
    coach_id: int | None = None

    def __post_init__(self) -> None:
        if (self.client_id is None) == (self.coach_id is None):
            raise ValueError("a requester is a client or a coach")

    @property
    def ref(self) -> str:
        return f"client:{self.client_id}" if self.client_id is not None else f"coach:{self.coach_id}"

    @property
    def author(self) -> Author:
        return Author.CLIENT if self.client_id is not None else Author.COACH

    def owns(self, ticket: SupportTicket) -> bool:
        return (ticket.client_id, ticket.coach_id) == (self.client_id, self.coach_id)


@dataclass(frozen=True, slots=True)
class TicketSummary:
    id: int
    status: str
    requester: Reason  # "client 3 (Sam)" / "coach 1 (Ada)": str() in English, explain() for a coach
    created_at: datetime
    updated_at: datetime
    messages: int
    last_text: str


def check_text(text: str) -> str:
    # From Slack or the command line too, not only chat (cleaned at its edge): no control characters.
    checked = rules.check_note(clean_text(text) if text else text)
    if not checked:
        raise ValidationError(SupportProblems.EMPTY(), field="text")
    return checked


def ticket_number(word: str) -> int | None:
    """``3`` or ``#3`` as typed after a command; None for anything else."""
    word = word.strip().lstrip("#")
    return int(word) if word.isascii() and word.isdigit() and len(word) < 10 else None


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


async def _seen(session: AsyncSession, request_key: str | None) -> SupportMessage | None:
    if request_key is None:
        return None
    return await session.scalar(select(SupportMessage).where(SupportMessage.request_key == request_key))


async def _notify_admins(
    session: AsyncSession, ticket: SupportTicket, message: SupportMessage, text: str, values: dict[str, Any]
) -> None:
    admins = await session.scalars(select(Coach.id).where(Coach.role == CoachRole.ADMIN).order_by(Coach.id))
    for admin_id in admins.all():
        await notify_coach(
            session,
            coach_id=admin_id,
            kind=TICKET_KIND,
            text=text,
            client_id=ticket.client_id,
            data={
                "ticket": ticket.id,
                "status": ticket.status,
                "reply": f"coach support reply {ticket.id} --text …",
            },
            dedupe_key=f"support:{message.id}:{admin_id}",
            values=values,
        )


async def _requester(session: AsyncSession, ticket: SupportTicket) -> dict[str, Any]:
    """Who asked, as the admins' notice names them (its values; the channel words it)."""
    if ticket.client_id is not None:
        client = await session.get(Client, ticket.client_id)
        return _who(ticket, client.display_name if client else "?")
    coach = await session.get(Coach, ticket.coach_id)
    return _who(ticket, coach.name if coach else "?")


def _who(ticket: SupportTicket, name: str) -> dict[str, Any]:
    if ticket.client_id is not None:
        return {"from": "client", "from_id": ticket.client_id, "name": name}
    return {"from": "coach", "from_id": ticket.coach_id, "name": name}


def _requester_label(who: dict[str, Any]) -> Reason:
    said = SupportRequesters.CLIENT if who["from"] == "client" else SupportRequesters.COACH
    return said(number=who["from_id"], name=who["name"])


async def requester_of(session: AsyncSession, ticket: SupportTicket) -> Reason:
    """Who opened ``ticket``: "client 3 (Sam)" / "coach 1 (Ada)" (``explain`` words it)."""
    return _requester_label(await _requester(session, ticket))


async def open_ticket(
    session: AsyncSession, requester: Requester, text: str, *, request_key: str | None = None
) -> SupportTicket:
    """Open a ticket with its first message and tell every admin."""
    if (seen := await _seen(session, request_key)) is not None:
        return await get_ticket(session, seen.ticket_id)
    checked = check_text(text)
    if requester.client_id is not None and await session.get(Client, requester.client_id) is None:
        raise NotFound(SupportProblems.NO_CLIENT(client=requester.client_id))
    if requester.coach_id is not None and await session.get(Coach, requester.coach_id) is None:
        raise NotFound(SupportProblems.NO_COACH(coach=requester.coach_id))
    now = utcnow()
    ticket = SupportTicket(
        client_id=requester.client_id,
        coach_id=requester.coach_id,
        status=TicketStatus.OPEN,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    await session.flush()
    message = SupportMessage(
        ticket_id=ticket.id, author=requester.author, text=checked, created_at=now, request_key=request_key
    )
    session.add(message)
    await session.flush()
    who = await _requester(session, ticket)
    preview = _preview(checked)
    await _notify_admins(
        session,
        ticket,
        message,
        f"New support request #{ticket.id} from {_requester_label(who)}:\n{preview}",
        {"ticket": ticket.id, "new": True, "text": preview, **who},
    )
    await record_audit_event(
        session, actor=requester.ref, action="support.opened", subject=f"ticket:{ticket.id}"
    )
    return ticket


async def get_ticket(session: AsyncSession, ticket_id: int) -> SupportTicket:
    ticket = await session.get(SupportTicket, ticket_id)
    if ticket is None:
        raise NotFound(SupportProblems.NO_REQUEST(ticket=ticket_id))
    return ticket


async def requester_ticket(session: AsyncSession, requester: Requester, ticket_id: int) -> SupportTicket:
    """The requester's own ticket; someone else's is reported as not found (no probing)."""
    ticket = await session.get(SupportTicket, ticket_id)
    if ticket is None or not requester.owns(ticket):
        raise NotFound(SupportProblems.NOT_YOURS(ticket=ticket_id))
    return ticket


def _refuse_closed(ticket: SupportTicket) -> None:
    if ticket.status == TicketStatus.CLOSED:
        raise TicketClosed(SupportProblems.CLOSED(ticket=ticket.id))


async def requester_reply(
    session: AsyncSession, requester: Requester, ticket_id: int, text: str, *, request_key: str | None = None
) -> SupportTicket:
    """The requester answers back: the ticket is open again and the admins are told."""
    if (seen := await _seen(session, request_key)) is not None:
        return await get_ticket(session, seen.ticket_id)
    ticket = await requester_ticket(session, requester, ticket_id)
    _refuse_closed(ticket)
    checked = check_text(text)
    now = utcnow()
    message = SupportMessage(
        ticket_id=ticket.id, author=requester.author, text=checked, created_at=now, request_key=request_key
    )
    session.add(message)
    ticket.status, ticket.updated_at = TicketStatus.OPEN, now
    await session.flush()
    who = await _requester(session, ticket)
    preview = _preview(checked)
    await _notify_admins(
        session,
        ticket,
        message,
        f"Reply on support request #{ticket.id} from {_requester_label(who)}:\n{preview}",
        {"ticket": ticket.id, "new": False, "text": preview, **who},
    )
    await record_audit_event(
        session, actor=requester.ref, action="support.replied", subject=f"ticket:{ticket.id}"
    )
    return ticket


async def admin_reply(
    session: AsyncSession,
    ticket_id: int,
    text: str,
    *,
    admin_id: int | None,
    actor: str,
    request_key: str | None = None,
) -> tuple[SupportTicket, bool]:
    """An admin answers (``admin_id`` None: from the command line). Returns the ticket and whether this
    call added the reply (False for a retried request). A coach requester gets a Slack notice here; a
    client is told by the caller, in their language."""
    if (seen := await _seen(session, request_key)) is not None:
        return await get_ticket(session, seen.ticket_id), False
    if admin_id is not None:
        admin = await session.get(Coach, admin_id)
        if admin is None or admin.role != CoachRole.ADMIN:
            raise PermissionDenied(SupportProblems.ADMINS_ONLY())
    ticket = await get_ticket(session, ticket_id)
    _refuse_closed(ticket)
    checked = check_text(text)
    now = utcnow()
    message = SupportMessage(
        ticket_id=ticket.id,
        author=Author.ADMIN,
        author_coach_id=admin_id,
        text=checked,
        created_at=now,
        request_key=request_key,
    )
    session.add(message)
    ticket.status, ticket.updated_at = TicketStatus.ANSWERED, now
    await session.flush()
    if ticket.coach_id is not None:
        await notify_coach(
            session,
            coach_id=ticket.coach_id,
            kind=REPLY_KIND,
            text=f"Support replied on your request #{ticket.id}:\n{checked}",
            data={"ticket": ticket.id, "answer": f"/coach support reply {ticket.id} <text>"},
            values={"ticket": ticket.id, "reply": checked},
            dedupe_key=f"support:{message.id}:requester",
        )
    await record_audit_event(
        session,
        actor=actor,
        action="support.answered",
        subject=f"ticket:{ticket.id}",
        details={"admin_id": admin_id},
    )
    return ticket, True


async def close_ticket(
    session: AsyncSession, ticket_id: int, *, actor: str, requester: Requester | None = None
) -> tuple[SupportTicket, bool]:
    """Close a ticket (an admin, or its requester when ``requester`` is given). Returns the ticket and
    whether this call closed it (False: it was closed already)."""
    ticket = (
        await requester_ticket(session, requester, ticket_id)
        if requester is not None
        else await get_ticket(session, ticket_id)
    )
    if ticket.status == TicketStatus.CLOSED:
        return ticket, False
    ticket.status, ticket.updated_at = TicketStatus.CLOSED, utcnow()
    await session.flush()
    if requester is None and ticket.coach_id is not None:
        await notify_coach(
            session,
            coach_id=ticket.coach_id,
            kind=REPLY_KIND,
            text=f"Your support request #{ticket.id} was closed.",
            data={"ticket": ticket.id},
            values={"ticket": ticket.id},
            dedupe_key=f"support:{ticket.id}:closed",
        )
    await record_audit_event(session, actor=actor, action="support.closed", subject=f"ticket:{ticket.id}")
    return ticket, True


async def ticket_messages(session: AsyncSession, ticket_id: int) -> list[SupportMessage]:
    query = select(SupportMessage).where(SupportMessage.ticket_id == ticket_id).order_by(SupportMessage.id)
    return list((await session.scalars(query)).all())


async def list_tickets(
    session: AsyncSession,
    *,
    statuses: frozenset[str] | None = None,
    requester: Requester | None = None,
    limit: int = 200,
) -> list[TicketSummary]:
    """Tickets, most recently changed first, with their last message."""
    query = (
        select(SupportTicket).order_by(SupportTicket.updated_at.desc(), SupportTicket.id.desc()).limit(limit)
    )
    if statuses is not None:
        query = query.where(SupportTicket.status.in_(sorted(statuses)))
    if requester is not None:
        query = query.where(
            SupportTicket.client_id == requester.client_id
            if requester.client_id is not None
            else SupportTicket.coach_id == requester.coach_id
        )
    tickets = (await session.scalars(query)).all()
    ids = [ticket.id for ticket in tickets]
    # Three statements for the whole page (counts, last messages, requesters), not a few per ticket.
    counted = await session.execute(
        select(SupportMessage.ticket_id, func.count())
        .where(SupportMessage.ticket_id.in_(ids))
        .group_by(SupportMessage.ticket_id)
    )
    counts = {ticket_id: int(number) for ticket_id, number in counted}
    last_ids = (
        select(func.max(SupportMessage.id))
        .where(SupportMessage.ticket_id.in_(ids))
        .group_by(SupportMessage.ticket_id)
        .scalar_subquery()
    )
    last_texts = {
        message.ticket_id: message.text
        for message in await session.scalars(select(SupportMessage).where(SupportMessage.id.in_(last_ids)))
    }
    clients = await _names(session, Client, Client.display_name, {t.client_id for t in tickets})
    coaches = await _names(session, Coach, Coach.name, {t.coach_id for t in tickets})
    return [
        TicketSummary(
            ticket.id,
            ticket.status,
            _requester_label(
                _who(
                    ticket,
                    clients.get(ticket.client_id, "?")
                    if ticket.client_id is not None
                    else coaches.get(ticket.coach_id or 0, "?"),
                )
            ),
            ticket.created_at,
            ticket.updated_at,
            counts.get(ticket.id, 0),
            last_texts.get(ticket.id, ""),
        )
        for ticket in tickets
    ]


async def _names(session: AsyncSession, model: Any, column: Any, ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    rows = await session.execute(select(model.id, column).where(model.id.in_(wanted)))
    return {int(row_id): str(name) for row_id, name in rows}


def parse_status_filter(value: str) -> frozenset[str] | None:
    """``open``, ``answered``, ``closed``, ``all`` (None) or ``active`` (open and answered)."""
    word = value.strip().lower()
    if word == "all":
        return None
    if word == "active":
        return frozenset({TicketStatus.OPEN, TicketStatus.ANSWERED})
    if word in {s.value for s in TicketStatus}:
        return frozenset({word})
    raise ValidationError(SupportProblems.UNKNOWN_STATUS(status=value), field="status")
