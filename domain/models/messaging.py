"""Conversation between client and coach, scheduled reminders and the outbound delivery queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.crypto import EncryptedJSON, EncryptedText
from domain.models.base import Base
from domain.models.enums import DeliveryStatus, ReminderStatus


class Message(Base):
    """A message between a client and their coach (relayed, not a bot prompt)."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(EncryptedText, default="")
    # File names a client gave are theirs too: encrypted like the text (an empty list stays plain).
    attachments: Mapped[list[Any]] = mapped_column(EncryptedJSON, default=list)
    external_ref: Mapped[str | None] = mapped_column(String(128))
    response_seconds: Mapped[float | None]
    relayed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        # Pending rows only, in claim order (ORDER BY due_at, id LIMIT n): a claim reads its batch and
        # stops even when thousands share one due time, and queries about sent reminders cannot be
        # planned through it (migration 0042).
        Index(
            "ix_reminders_pending_due",
            "due_at",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        # Planning reads a chunk of clients' pending rows; dispatch counts a client's sent check-ins.
        Index("ix_reminders_client_kind_status_due", "client_id", "kind", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    # Indexed by ix_reminders_client_kind_status_due, which leads with it.
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id"), index=True)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=ReminderStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboundMessage(Base):
    """A message waiting for (or done with) delivery to a chat platform; survives restarts."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128), index=True)
    # What is sent holds what clients wrote (a relayed note, a reply quoting them) and sign-in links:
    # encrypted at rest, decrypted when the sender claims the row.
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    # The client the message is to or about (the payload's ``client_id``), in the clear so erasure
    # finds their rows without reading the encrypted payloads. No foreign key: erasure deletes them.
    client_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class StoredFile(Base):
    """A photo, document or voice note a client sent, kept with its platform file id."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16))
    mime_type: Mapped[str | None] = mapped_column(String(128))
    size_bytes: Mapped[int | None]
    # The name the client gave the file ("lab results Dana W.pdf"): encrypted like its content.
    file_name: Mapped[str | None] = mapped_column(EncryptedText)
    path: Mapped[str | None] = mapped_column(Text)
    # Indexed for the hourly retention purge, which deletes by age.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SmsOptOut(Base):
    """A phone number that answered STOP: no SMS goes to it until it answers START (kept after the
    client is erased: a suppression list outlives the person's record)."""

    __tablename__ = "sms_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # E.164, e.g. +4915112345678 (at most 15 digits after the plus).
    phone_number: Mapped[str] = mapped_column(String(16), unique=True)
    keyword: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
