"""Versions of the privacy policy and terms clients accept (their answers are ``ConsentRecord`` rows)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base


class PolicyVersion(Base):
    """One published text of the privacy policy and terms; the highest ``version`` is in force.

    Published versions are never changed: a client's consent names the version they read."""

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    summary: Mapped[str] = mapped_column(String(300))  # the one line clients see: what changed
    body: Mapped[str] = mapped_column(Text)  # Markdown, served at /policy/<version>
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
