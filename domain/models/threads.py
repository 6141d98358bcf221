"""Where a coach reads one client: a thread in the coach's chat workspace (e.g. a Slack DM thread)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base


class CoachThread(Base):
    """One thread per client and coach channel; ``thread_ref`` is the platform's thread handle."""

    __tablename__ = "coach_threads"
    __table_args__ = (
        UniqueConstraint("platform", "channel_id", "client_id"),
        Index("ix_coach_threads_platform_channel_id_thread_ref", "platform", "channel_id", "thread_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    thread_ref: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
