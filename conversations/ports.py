"""What the conversation engine needs from the outside, as small protocols injected at start-up.

Dependencies point inward: ``bot/`` and ``integrations/`` implement these; ``conversations/`` only
knows the protocols.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from conversations.messages import IncomingMessage, OutgoingMessage


class ConversationHandler(Protocol):
    """The engine as channel adapters see it: one message in, the replies out (in order)."""

    async def handle(self, message: IncomingMessage) -> list[OutgoingMessage]: ...


class ConversationsUnavailable(Exception):
    """The database stayed unreachable for the whole retry period (or the engine is stopping): the
    message was not handled. A stored inbound update stays in the inbox and is tried again later."""


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
    # Written by a model (labelled as AI for whoever reads it), not computed from templates.
    ai: bool = False


class GoalSuggester(Protocol):
    """Implemented by the insights service (model or computed fallback)."""

    async def suggest_goals(self, client_id: int) -> list[SuggestedGoal]: ...


@dataclass(frozen=True, slots=True)
class SubscriptionSummary:
    """A client's recurring payment as ``/billing`` shows it; ``ref`` is opaque to conversations."""

    ref: str
    program_name: str
    status: str
    amount_minor: int
    currency: str
    next_payment_at: datetime | None
    cancel_at_period_end: bool


@dataclass(frozen=True, slots=True)
class InvoiceSummary:
    number: str
    status: str
    amount_minor: int
    currency: str
    created_at: datetime
    url: str | None


@runtime_checkable
class BillingPort(Protocol):
    """Self-service billing for ``/billing`` and ``/invoices``, implemented by ``integrations/stripe``.

    Every method may raise ``PaymentsUnavailable`` with a client-safe text. Network I/O: never call
    inside a database transaction.
    """

    async def subscriptions_for_client(self, client_id: int) -> list[SubscriptionSummary]: ...

    async def set_cancel_at_period_end(
        self, client_id: int, ref: str, cancel: bool
    ) -> SubscriptionSummary: ...

    async def billing_portal_url(self, client_id: int) -> str: ...

    async def invoices_for_client(self, client_id: int) -> list[InvoiceSummary]: ...


@runtime_checkable
class NewClientGoalSuggester(Protocol):
    """Optional extra of a :class:`GoalSuggester`: ideas for someone still onboarding (no client row
    yet), from their assessment answers. When the injected suggester has it, onboarding's first-goal
    step offers its suggestions as buttons."""

    async def suggest_goals_for_answers(self, answers: dict[str, object]) -> list[SuggestedGoal]: ...


class TranscriptionUnavailable(Exception):
    """The transcription server could not be reached, timed out or refused the audio: the voice note is
    kept and relayed as audio only."""


class AudioTooLarge(Exception):
    """The audio is larger than the transcription server accepts; ``limit_bytes`` says how large it may be."""

    def __init__(self, size_bytes: int, limit_bytes: int) -> None:
        super().__init__(f"audio of {size_bytes} bytes is over the {limit_bytes}-byte limit")
        self.size_bytes = size_bytes
        self.limit_bytes = limit_bytes


class Transcriber(Protocol):
    """Speech to text for clients' voice notes, implemented by ``integrations/transcription``.

    Network I/O: channel adapters call it before the conversation step (never inside its transaction),
    bounded by their own timeout. Raises :class:`AudioTooLarge` or :class:`TranscriptionUnavailable`.
    """

    @property
    def max_bytes(self) -> int: ...

    async def transcribe(self, audio: bytes, *, file_name: str, mime_type: str | None = None) -> str: ...
