"""Cohort groups: a program's group chat (a Telegram group, or a Slack channel) where the bot posts
the week's steps and a group check-in, and the answers members give there."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base


class CohortGroup(Base):
    """A program's group chat. ``chat_id`` is empty while the group waits for ``/cohort CODE``;
    ``status`` is ``pending`` (a code, no chat yet), ``active`` or ``removed`` (the bot left it)."""

    __tablename__ = "cohort_groups"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    link_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    starts_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    linked_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]


class CohortReply(Base):
    """One member's answer to a week's group check-in (their run minutes); a later answer the same
    week replaces it."""

    __tablename__ = "cohort_replies"
    __table_args__ = (UniqueConstraint("cohort_group_id", "week", "external_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_group_id: Mapped[int] = mapped_column(ForeignKey("cohort_groups.id"), index=True)
    week: Mapped[int]
    external_user_id: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    minutes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
