"""Announcements: one message from a coach to many of their clients, and who it went to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.crypto import EncryptedText
from domain.models.base import Base


class Announcement(Base):
    """``draft`` (previewed, not confirmed) → ``scheduled`` → ``expanding`` (recipients are being
    written, ``expanded_through`` is the last client id done) → ``sending`` → ``done`` (``report``)."""

    __tablename__ = "announcements"
    # The scheduler looks for due and unfinished announcements by status and time.
    __table_args__ = (Index("ix_announcements_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"))
    segment: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(EncryptedText)
    status: Mapped[str] = mapped_column(String(16))
    send_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expanded_through: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None]
    report: Mapped[dict[str, Any] | None]


class AnnouncementRecipient(Base):
    """One client an announcement was for: at most one row per (announcement, client), so a retried
    expansion never queues a second message. ``outcome`` is ``queued`` (``outbox_id`` says how the
    message fared), ``opted_out`` or ``blocked`` (no chat reaches the client)."""

    __tablename__ = "announcement_recipients"
    __table_args__ = (UniqueConstraint("announcement_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    # The outbox row (no foreign key: the outbox is purged and erased on its own schedule).
    outbox_id: Mapped[int | None]


class AnnouncementOptOut(Base):
    """A client who asked in ``/settings`` not to receive announcements."""

    __tablename__ = "announcement_opt_outs"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
