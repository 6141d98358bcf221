"""What the conversation engine needs from the outside, as small protocols injected at start-up.

Dependencies point inward: ``bot/`` and ``integrations/`` implement these; ``conversations/`` only
knows the protocols.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from conversations.messages import IncomingMessage, OutgoingMessage


class ConversationHandler(Protocol):
    """The engine as channel adapters see it: one message in, the replies out (in order)."""

    async def handle(self, message: IncomingMessage) -> list[OutgoingMessage]: ...


class PaymentsUnavailable(Exception):
    """Payments are not configured or the provider is down; the text is safe to show the client."""


@dataclass(frozen=True, slots=True)
class PaymentOffer:
    url: str
    label: str
    amount_minor: int
    currency: str


class PaymentPort(Protocol):
    """Implemented by ``integrations/stripe``. Called after the enrollment is committed, never inside
    a database transaction (it does network I/O)."""

    async def checkout_for_enrollment(self, enrollment_id: int) -> PaymentOffer: ...


@dataclass(frozen=True, slots=True)
class SuggestedGoal:
    text: str
    metric: str
    target: float
    unit: str
    due_date: date


class GoalSuggester(Protocol):
    """Implemented by the insights service (model or computed fallback)."""

    async def suggest_goals(self, client_id: int) -> list[SuggestedGoal]: ...
