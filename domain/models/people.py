"""Coaches, clients, the chat identities that reach them, and their privacy consents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.crypto import EncryptedJSON
from domain.models.base import Base
from domain.models.enums import Cadence, ClientStatus, CoachRole


class Coach(Base):
    __tablename__ = "coaches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_code: Mapped[str] = mapped_column(String(32), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The language the coach reads what is drawn for them in (charts, computed summaries; see
    # domain.rules.LOCALES); their Slack messages and the web workspace are still English.
    locale: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")
    digest_cadence: Mapped[str] = mapped_column(String(10), default="daily")
    slack_channel_id: Mapped[str | None] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(default=False)
    # The most active clients this coach takes; None is no limit (see domain.services.capacity).
    capacity: Mapped[int | None]
    # ``admin`` sees every coach and client in the web workspace; ``coach`` their own clients only.
    role: Mapped[str] = mapped_column(
        String(16), default=CoachRole.COACH, server_default=CoachRole.COACH.value
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    status: Mapped[str] = mapped_column(String(16), default=ClientStatus.ACTIVE)
    # Set only once the client proved the address is theirs (a code sent to it, see
    # domain.services.email_verification): email goes nowhere else.
    email: Mapped[str | None] = mapped_column(String(320))
    email_verified_at: Mapped[datetime | None]
    # The client pressed an email's unsubscribe link: no more email until they verify an address again.
    email_unsubscribed_at: Mapped[datetime | None]
    checkin_cadence: Mapped[str] = mapped_column(String(10), default=Cadence.DAILY)
    checkin_time: Mapped[str] = mapped_column(String(5), default="09:00")
    quiet_hours_start: Mapped[str | None] = mapped_column(String(5))
    quiet_hours_end: Mapped[str | None] = mapped_column(String(5))
    paused_until: Mapped[datetime | None]
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    assessment: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Shown (first name and minutes) on their cohort group's leaderboard: only when they opt in.
    cohort_leaderboard: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelIdentity(Base):
    """One way to reach a person: a platform account. A person may have several."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("platform", "external_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_user_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id"), index=True)
    unreachable: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentRecord(Base):
    """A privacy-policy answer. A refusal is kept without any client record being created."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_user_id: Mapped[str] = mapped_column(String(128))
    policy_version: Mapped[str] = mapped_column(String(32))
    accepted: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
