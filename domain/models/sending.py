"""The sending budget several workers share when there is no Redis: one row per next slot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


class SendSlot(Base):
    """When a platform's next global slot, or a chat's next message, may go (and a chat's 429 pause).

    ``scope`` is ``global:<platform>`` or ``chat:<platform>:<chat id>``.
    """

    __tablename__ = "send_slots"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_at: Mapped[datetime]
    paused_until: Mapped[datetime | None]
