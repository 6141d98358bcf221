"""Coach-facing guides (training materials) the admins publish, and which coach has read which."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base


class Guide(Base):
    """A Markdown guide; publishing the same ``slug`` again replaces its text and makes it new again."""

    __tablename__ = "guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(default=1)
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)  # of this revision


class GuideRead(Base):
    """A coach opened a guide at ``revision``: a later revision is new to them again."""

    __tablename__ = "guide_reads"
    __table_args__ = (UniqueConstraint("coach_id", "guide_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id"), index=True)
    revision: Mapped[int]
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
