"""The coach web workspace: one-time sign-in codes, browser sessions, and private notes on clients."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.crypto import EncryptedText
from domain.models.base import Base


class LoginCode(Base):
    """A one-time code for a coach: a sign-in link, or a code that links their Telegram account.

    Only a SHA-256 of the code is stored, so the table never holds a usable link. ``used_at`` is set by
    the one conditional update that redeems it, so it works at most once.
    """

    __tablename__ = "login_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # How it reached the coach: cli, slack, telegram, email (shown in the audit log).
    sent_via: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; the row holds its SHA-256.

    It ends at ``last_seen_at`` + idle timeout, at ``expires_at`` (absolute), or when revoked (sign-out,
    ``coach sessions revoke``). The coach's role is read afresh on every request.
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Every form of this session carries it (synchronizer token); it changes with the session.
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class CoachNote(Base):
    """A coach's private note about a client: never sent to the client, encrypted at rest."""

    __tablename__ = "coach_notes"
    __table_args__ = (Index("ix_coach_notes_client_created", "client_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
