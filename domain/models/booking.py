"""Coach availability and booked sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.crypto import EncryptedText
from domain.models.base import Base
from domain.models.enums import BookingPayment, BookingStatus


class CoachAvailability(Base):
    """A coach's hours as parsed from their YAML (``domain.booking.availability.Availability.to_dict``)."""

    __tablename__ = "coach_availability"

    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Booking(Base):
    """One booked session. ``held_start`` is ``starts_at`` while the booking holds its slot and NULL
    once cancelled: the unique (coach, held_start) pair is what makes two holds of one slot impossible,
    on any number of workers (NULLs never collide, so a cancelled slot is free again)."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("coach_id", "held_start"),
        Index("ix_bookings_coach_id_starts_at", "coach_id", "starts_at"),
        Index("ix_bookings_client_id_starts_at", "client_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    held_start: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.CONFIRMED)
    # The calendar invite's identity: UID from the token, SEQUENCE raised on every change.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    video_url: Mapped[str] = mapped_column(String(500))
    # How the session is paid: included in the client's program, paid on its own, or free.
    paid_by: Mapped[str] = mapped_column(String(16), default=BookingPayment.FREE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]


class CoachCalendar(Base):
    """A coach's calendar links: the private feed (only the token's SHA-256 is kept) and their own
    CalDAV calendar, whose busy times are read into ``busy`` so slots never cover them."""

    __tablename__ = "coach_calendars"

    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), primary_key=True)
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    feed_created_at: Mapped[datetime | None]
    caldav_url: Mapped[str | None] = mapped_column(String(500))
    caldav_username: Mapped[str | None] = mapped_column(String(200))
    caldav_password: Mapped[str | None] = mapped_column(EncryptedText)
    # [[start, end], ...] ISO instants, as last read from the CalDAV calendar.
    busy: Mapped[list[Any]] = mapped_column(default=list)
    busy_synced_at: Mapped[datetime | None]
    sync_error: Mapped[str | None] = mapped_column(String(500))
