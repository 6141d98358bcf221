"""Email addresses waiting for their owner's code, and the server's own secrets (link signing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base


class EmailVerification(Base):
    """An address a client typed, not theirs yet: a 6-digit code went to it, kept only as a keyed hash.

    One row per client (a new address replaces the old attempt); the row is deleted once the code is
    confirmed, when the client is erased, or replaced by the next attempt."""

    __tablename__ = "email_verifications"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    sends: Mapped[int] = mapped_column(default=1)
    last_sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppSecret(Base):
    """A random secret the server made itself (e.g. the key that signs unsubscribe links), so every
    replica agrees on it without one more setting."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
