"""What clients and coaches read about money. Plain text, no provider jargon."""

from __future__ import annotations

from datetime import datetime

from conversations.messages import OutgoingMessage, UrlButton
from domain.money import format_money


def money(amount_minor: int, currency: str) -> str:
    return format_money(amount_minor, currency)


def day(value: datetime | None) -> str:
    return value.strftime("%d %b %Y") if value else "unknown"


def thank_you(program_name: str) -> OutgoingMessage:
    return OutgoingMessage(
        text=f"Thank you! Your payment for {program_name} went through and your program is now active. "
        "Let's get going: send /checkin whenever you're ready."
    )


def payment_failed(reason: str) -> OutgoingMessage:
    return OutgoingMessage(text=f"Your payment didn't go through ({reason}). You can try again with /pay.")


def dunning_reminder(step: int, total: int, amount: str, url: str | None) -> OutgoingMessage:
    lead = (
        "Your monthly payment didn't go through."
        if step == 1
        else f"Reminder {step} of {total}: your monthly payment is still open."
    )
    last = " This is the last reminder: after it your program will be paused." if step == total else ""
    buttons = (UrlButton(label=f"Pay {amount}", url=url),) if url else ()
    text = f"{lead} Please update your card or pay {amount}.{last} Send /billing to manage payments."
    return OutgoingMessage(text=text, url_buttons=buttons)


def paused_after_dunning(program_name: str) -> OutgoingMessage:
    return OutgoingMessage(
        text=f"Your {program_name} program is paused because the monthly payment is still open. "
        "Send /billing to update your card; it resumes as soon as the payment goes through."
    )


def refunded(amount: str) -> OutgoingMessage:
    return OutgoingMessage(
        text=f"You've been refunded {amount}. It usually shows on your statement in 5-10 days."
    )


def subscription_ended(program_name: str) -> OutgoingMessage:
    return OutgoingMessage(
        text=f"Your {program_name} subscription has ended. Thank you for training with us!"
    )
