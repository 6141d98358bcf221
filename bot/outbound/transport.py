"""A transport delivers one neutral message to one chat of one platform; the sender schedules it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from conversations.messages import OutgoingMessage


@dataclass(frozen=True, slots=True)
class RateLimits:
    """A platform's sending limits (named constants live next to each transport)."""

    per_chat_interval_s: float
    global_per_second: float
    group_per_minute: float | None = None


class DeliveryError(Exception):
    """Delivery failed. ``retry_after`` pauses this chat only; ``permanent`` stops retrying."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        unreachable: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent or unreachable
        self.unreachable = unreachable


class Transport(ABC):
    platform: str
    limits: RateLimits

    @abstractmethod
    async def deliver(self, chat_id: str, message: OutgoingMessage) -> str | None:
        """Send ``message``; return the platform's message id. Raise :class:`DeliveryError` on failure."""

    async def deliver_payload(self, chat_id: str, payload: dict[str, Any]) -> str | None:
        """Deliver a queued payload. Transports that render special payloads (coach notices) override this."""
        return await self.deliver(chat_id, OutgoingMessage.from_dict(payload))

    def is_group_chat(self, chat_id: str) -> bool:
        return False
