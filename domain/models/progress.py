"""What clients work on (goals), how they are doing (check-ins) and what they think (feedback)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.crypto import EncryptedJSON, EncryptedText
from domain.models.base import Base
from domain.models.enums import GoalStatus


class Goal(Base):
    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    text: Mapped[str] = mapped_column(EncryptedText)
    metric: Mapped[str | None] = mapped_column(String(200))
    target: Mapped[float | None]
    unit: Mapped[str | None] = mapped_column(String(50))
    due_date: Mapped[date | None]
    progress: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default=GoalStatus.ACTIVE)
    source: Mapped[str] = mapped_column(String(16), default="client")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CheckIn(Base):
    __tablename__ = "check_ins"
    # "Did they check in that day", the latest check-in, a period's check-ins: per client, by time.
    __table_args__ = (Index("ix_check_ins_client_created", "client_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id"))
    mood: Mapped[int]
    energy: Mapped[int]
    sleep_hours: Mapped[float]
    adherence: Mapped[str] = mapped_column(String(8))
    goal_progress: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(EncryptedText)
    # The language code the note is read as ("en": VADER scores it), detected once when written so
    # digests do not detect it again; only the code, nothing else derived from the text.
    # NULL for notes written before migration 0034 (detected when read).
    note_language: Mapped[str | None] = mapped_column(String(8))
    attachments: Mapped[list[Any]] = mapped_column(EncryptedJSON, default=list)
    source_channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SystemFeedback(Base):
    """What a client said about the bot itself (``/feedback`` → about the bot): for the admins, not
    the coach."""

    __tablename__ = "system_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
