"""A failed subscription renewal being chased: reminders go out on a schedule until it is paid or paused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base


class DunningCase(Base):
    __tablename__ = "dunning_cases"
    __table_args__ = (UniqueConstraint("subscription_id", "provider_invoice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    provider_invoice_id: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the last reminder is due: past it, an unresolved case pauses the enrollment.
    pause_at: Mapped[datetime] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
