"""A coach's reaction or comment on one check-in, sent to the client quoting that check-in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.crypto import EncryptedText
from domain.models.base import Base


class CoachFeedback(Base):
    """One reaction (👏, 💪, ❤️) or comment of a coach on a check-in.

    ``request_key`` is unique: a reaction's key names the check-in, the coach and the reaction, so a
    second press (a Slack retry, a double click, Slack and the web) adds nothing and sends nothing; a
    comment's key names the form or modal it came from.
    """

    __tablename__ = "coach_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_ins.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "reaction" or "comment"
    reaction: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(EncryptedText)
    source: Mapped[str] = mapped_column(String(16))  # "slack" or "web"
    request_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
