"""Why a refund or an amount was refused (the coach's side of payments; what the client reads about
their own payments is :class:`conversations.texts.PaymentProblems`)."""

from __future__ import annotations

from domain.reasons import Reasons, Sentence


class RefundProblems(Reasons):
    NO_PAYMENT = Sentence("no payment with id {payment}")
    MORE_THAN_PAID = Sentence("a refund cannot exceed what was paid")
    NOT_YOUR_CLIENT = Sentence("you can only refund your own clients' payments")
    NOTHING_TO_REFUND = Sentence("payment {payment} is {status}: nothing to refund")
    AMOUNT = Sentence("a refund must be between 1 and {left} (what is left of the payment)")
    NO_CHARGE = Sentence("payment {payment} has no Stripe charge to refund")


class PaymentStatusNames(Reasons):
    """A payment's status where a refusal names it (the statuses nothing can be refunded from)."""

    PENDING = Sentence("pending")
    FAILED = Sentence("failed")
    REFUNDED = Sentence("refunded")


class MoneyProblems(Reasons):
    NOT_AN_AMOUNT = Sentence("{text} is not an amount: write it like 49 or 49.00")
    EMPTY = Sentence("'an empty value' is not an amount: write it like 49 or 49.00")
    NO_DECIMALS = Sentence("{text} has too many decimals: {currency} takes no decimals")
    TWO_DECIMALS = Sentence("{text} has too many decimals: {currency} takes at most two decimals")
    NOT_ABOVE_ZERO = Sentence("the amount must be more than zero")
