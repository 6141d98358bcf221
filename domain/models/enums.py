"""Closed vocabularies of the domain, stored as short strings."""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    TELEGRAM = "telegram"
    SLACK = "slack"
    CONSOLE = "console"
    EMAIL = "email"
    SMS = "sms"


class ClientStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ARCHIVED = "archived"
    # The one anonymous record erased clients' payments are kept under (domain.services.erasure).
    ERASED = "erased"


class Billing(StrEnum):
    ONE_OFF = "one_off"
    MONTHLY = "monthly"


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKDAYS = "weekdays"
    WEEKLY = "weekly"


class EnrollmentStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class GoalStatus(StrEnum):
    # An AI idea waiting for the coach's review; the client never sees it (see domain.insights.approval).
    PROPOSED = "proposed"
    # Offered to the client, who may take it.
    SUGGESTED = "suggested"
    ACTIVE = "active"
    DONE = "done"
    ARCHIVED = "archived"


class Adherence(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"


class MessageDirection(StrEnum):
    TO_COACH = "to_coach"
    TO_CLIENT = "to_client"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class InboxStatus(StrEnum):
    PENDING = "pending"  # stored, waiting for (or leased to) a worker
    HANDLED = "handled"
    FAILED = "failed"  # could not be handled after every try; kept for an operator


class CoachRole(StrEnum):
    """What a coach may see in the web workspace: ``admin`` every coach and client, ``coach`` their own."""

    ADMIN = "admin"
    COACH = "coach"


class LoginPurpose(StrEnum):
    """What a one-time code is for: a browser sign-in link, or linking the coach's Telegram account."""

    SIGN_IN = "sign_in"
    TELEGRAM_LINK = "telegram_link"


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class BookingPayment(StrEnum):
    """How a booked session is paid."""

    INCLUDED = "included"  # one of the sessions the client's program includes
    FREE = "free"  # the coach's sessions cost nothing extra
