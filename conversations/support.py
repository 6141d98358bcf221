"""What clients are told about their support requests from outside their chat (an admin's reply or the
ticket being closed, from the command line or Slack): queued to the client's channel in their language,
in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.flow import buttons
from conversations.i18n import use_locale
from conversations.messages import OutgoingMessage
from conversations.texts import Support as T
from domain.models import Client, SupportTicket
from domain.services import support
from domain.services.outbox import enqueue_for_client


async def _tell_client(
    session: AsyncSession, ticket: SupportTicket, message: OutgoingMessage, key: str
) -> bool:
    """True when the message was queued (False: the client has no channel left, or it was queued before)."""
    assert ticket.client_id is not None
    return await enqueue_for_client(session, ticket.client_id, message.to_dict(), dedupe_key=key) is not None


async def answer_ticket(
    session: AsyncSession,
    ticket_id: int,
    text: str,
    *,
    admin_id: int | None,
    actor: str,
    request_key: str | None = None,
) -> SupportTicket:
    """An admin's reply, stored and delivered: a client gets it in their chat with Reply and Close
    buttons, a coach as a Slack notice. Raises ``TicketClosed`` for a closed ticket."""
    ticket, added = await support.admin_reply(
        session, ticket_id, text, admin_id=admin_id, actor=actor, request_key=request_key
    )
    if added and ticket.client_id is not None:
        client = await session.get(Client, ticket.client_id)
        with use_locale(client.locale if client else None):
            rows = buttons(
                (T.REPLY.format(ticket=ticket.id), f"/support reply {ticket.id}"),
                (T.CLOSE.format(ticket=ticket.id), f"/support close {ticket.id}"),
            )
            message = OutgoingMessage(
                T.ANSWER.format(ticket=ticket.id, text=text.strip()), tuple(tuple(r) for r in rows)
            )
        messages = await support.ticket_messages(session, ticket.id)
        await _tell_client(session, ticket, message, f"support:{messages[-1].id}:client")
    return ticket


async def close_ticket_by_team(
    session: AsyncSession, ticket_id: int, *, actor: str
) -> tuple[SupportTicket, bool]:
    """An admin closes a ticket; a client requester is told in their chat (a coach by a notice)."""
    ticket, closed = await support.close_ticket(session, ticket_id, actor=actor)
    if closed and ticket.client_id is not None:
        client = await session.get(Client, ticket.client_id)
        with use_locale(client.locale if client else None):
            message = OutgoingMessage(T.CLOSED_BY_TEAM.format(ticket=ticket.id))
        await _tell_client(session, ticket, message, f"support:{ticket.id}:closed")
    return ticket, closed
