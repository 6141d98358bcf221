"""What clients and coaches read about money. Plain text, no provider jargon.

Client messages come from the catalogue (``conversations.texts.PaymentUpdates``) in the client's
language: build them inside ``with use_locale(await client_locale(session, client_id))``."""

from __future__ import annotations

from datetime import datetime

from conversations.i18n import format_amount
from conversations.messages import OutgoingMessage, UrlButton
from conversations.texts import ExtraSessionPayments, PaymentProblems
from conversations.texts import PaymentUpdates as T
from domain.money import format_money


def decline_reason(code: object, decline_code: object = None) -> str:
    """Why a card was declined, in the current (client's) language, from Stripe's codes: the issuer's
    ``decline_code`` first, then the error ``code``; never Stripe's English message."""
    reasons = PaymentProblems.DECLINE_REASONS
    for key in (decline_code, code):
        if isinstance(key, str) and key in reasons:
            return reasons[key]
    return PaymentProblems.DECLINED


def money(amount_minor: int, currency: str) -> str:
    """An amount for coaches, logs and the CLI (locale-neutral)."""
    return format_money(amount_minor, currency)


def client_money(amount_minor: int, currency: str) -> str:
    """An amount for the client, in their language's number format."""
    return format_amount(amount_minor, currency)


def day(value: datetime | None) -> str:
    return value.strftime("%d %b %Y") if value else "unknown"


def thank_you(program_name: str, *, extra_session: bool = False) -> OutgoingMessage:
    text = ExtraSessionPayments.THANK_YOU if extra_session else T.THANK_YOU
    return OutgoingMessage(text=text.format(program=program_name))


def payment_failed(reason: str) -> OutgoingMessage:
    return OutgoingMessage(text=T.FAILED.format(reason=reason))


def dunning_reminder(step: int, total: int, amount: str, url: str | None) -> OutgoingMessage:
    lead = T.DUNNING_FIRST if step == 1 else T.DUNNING_AGAIN.format(step=step, total=total)
    last = T.DUNNING_LAST if step == total else ""
    buttons = (UrlButton(label=T.PAY_BUTTON.format(amount=amount), url=url),) if url else ()
    return OutgoingMessage(text=T.DUNNING.format(lead=lead, amount=amount, last=last), url_buttons=buttons)


def paused_after_dunning(program_name: str) -> OutgoingMessage:
    return OutgoingMessage(text=T.PAUSED.format(program=program_name))


def refunded(amount: str) -> OutgoingMessage:
    return OutgoingMessage(text=T.REFUNDED.format(amount=amount))


def subscription_ended(program_name: str) -> OutgoingMessage:
    return OutgoingMessage(text=T.ENDED.format(program=program_name))
