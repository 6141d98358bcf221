"""What a coach sells (programs) and who is in them (enrollments)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base
from domain.models.enums import Billing, Cadence, EnrollmentStatus


class Program(Base):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    price_minor: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    billing: Mapped[str] = mapped_column(String(10), default=Billing.ONE_OFF)
    duration_weeks: Mapped[int | None]
    checkin_cadence: Mapped[str] = mapped_column(String(10), default=Cadence.DAILY)
    assessment_questions: Mapped[list[Any]] = mapped_column(default=list)
    published: Mapped[bool] = mapped_column(default=False)
    goals_need_approval: Mapped[bool] = mapped_column(default=False)
    # Live sessions the program includes (``/book``); 0 means none are counted (booking is free).
    sessions_included: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_free(self) -> bool:
        return self.price_minor == 0


class Enrollment(Base):
    __tablename__ = "enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=EnrollmentStatus.PENDING_PAYMENT)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    activated_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # One more session bought (domain.services.booking), not a program followed: program metrics skip it.
    extra_session: Mapped[bool] = mapped_column(default=False, server_default=false())
