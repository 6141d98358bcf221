"""Records the system keeps about itself: audit trail, conversation state, caches and usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.crypto import EncryptedJSON
from domain.models.base import Base

REJECTED_REQUEST = "request.rejected"  # one row per endpoint and minute, ``count`` requests


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index(
            "ux_audit_events_rejected_minute",
            "action",
            "subject",
            "at",
            unique=True,
            sqlite_where=text(f"action = '{REJECTED_REQUEST}'"),
            postgresql_where=text(f"action = '{REJECTED_REQUEST}'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # How many times it happened: 1, except for aggregated rows (rejected requests per minute).
    count: Mapped[int] = mapped_column(default=1, server_default="1")


class ConversationState(Base):
    """Where one person is in a conversation flow; ``version`` guards concurrent writers."""

    __tablename__ = "conversation_states"
    __table_args__ = (UniqueConstraint("platform", "external_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_user_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    flow: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(64))
    flow_version: Mapped[int] = mapped_column(default=0)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None]
    expired_notice: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedMessage(Base):
    """An incoming message already handled, with the replies it produced (re-sent on a duplicate)."""

    __tablename__ = "processed_messages"

    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The replies quote the person (their name, what they wrote): encrypted at rest.
    replies: Mapped[list[Any]] = mapped_column(EncryptedJSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class InsightCache(Base):
    __tablename__ = "insight_cache"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LlmUsage(Base):
    __tablename__ = "llm_usage"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id"), index=True)
    model: Mapped[str] = mapped_column(String(128))
    feature: Mapped[str] = mapped_column(String(32))
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
    at: Mapped[datetime] = mapped_column(default=utcnow)
