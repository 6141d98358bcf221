"""Everything a platform delivered, stored before it is acknowledged (the inbox of the durable edges)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.crypto import EncryptedJSON
from domain.models.base import Base
from domain.models.enums import InboxStatus


class InboxUpdate(Base):
    """One inbound update (a Telegram update, a Slack event), kept until it has been handled.

    ``key`` is the platform's own id for it (``telegram:update:<id>``), so a re-delivery is stored once;
    ``lane`` is the conversation it belongs to: one lane's updates are handled strictly in ``id`` order.
    A worker leases a row by moving ``next_attempt_at`` forward; a crashed worker's lease runs out.
    """

    __tablename__ = "inbox_updates"
    __table_args__ = (
        Index("ix_inbox_updates_status_next", "status", "next_attempt_at"),
        Index("ix_inbox_updates_lane", "platform", "lane", "id"),
        Index("ix_inbox_updates_sender", "platform", "external_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    lane: Mapped[str] = mapped_column(String(128))
    external_user_id: Mapped[str | None] = mapped_column(String(128))
    # The raw update holds what the client wrote: encrypted at rest like their notes and messages.
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    handled_at: Mapped[datetime | None]
