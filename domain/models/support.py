"""Support requests: a client or a coach asks the people who run the bot (the admins), not the coach."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.crypto import EncryptedText
from domain.models.base import Base


class SupportTicket(Base):
    """One request, opened by a client (``client_id``) or a coach (``coach_id``), never both.

    ``status``: open (waiting for an admin), answered (waiting for the requester), closed."""

    __tablename__ = "support_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SupportMessage(Base):
    """What was said on a ticket, in order: by the requester, or by an admin (``author_coach_id``)."""

    __tablename__ = "support_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id"), index=True)
    author: Mapped[str] = mapped_column(String(16))  # client, coach or admin
    author_coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id"))
    text: Mapped[str] = mapped_column(EncryptedText)
    # The Slack request or chat update that added it: a retry of the same request adds nothing.
    request_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
