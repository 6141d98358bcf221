"""``/billing`` and ``/invoices``: the client's subscription, cancel/resume, card changes and receipts.

Stripe is reached only through :class:`conversations.ports.BillingPort`, and only in after-commit
effects (network I/O never runs inside the engine's transaction). Buttons carry the action as a
command (``/billing cancel <ref>``), so a press works whatever state the client is in; cancelling goes
through a confirmation step of the ``billing`` flow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from conversations.flow import (
    END,
    STAY,
    Effect,
    EffectContext,
    Flow,
    InvalidAnswer,
    Next,
    StartFlow,
    Step,
    Turn,
    ask,
    buttons,
)
from conversations.i18n import format_amount, format_day
from conversations.messages import Button, OutgoingMessage, UrlButton
from conversations.ports import BillingPort, InvoiceSummary, PaymentsUnavailable, SubscriptionSummary
from conversations.registry import register_command, register_flow
from conversations.texts import Billing as Texts
from conversations.texts import Commands

# Telegram's callback_data limit (platform-limits.md): "/billing cancel " + a Stripe id stays far below.
CALLBACK_DATA_MAX_BYTES = 64
# Most invoices shown with their own link button, newest first.
INVOICE_BUTTONS_MAX = 5

# What one billing-port call answers (subscriptions, a portal URL, invoices ...).
_Answer = TypeVar("_Answer")


def _money(amount_minor: int, currency: str) -> str:
    return format_amount(amount_minor, currency)


def _day(value: object) -> str:
    return format_day(value) if isinstance(value, datetime) else Texts.PERIOD_END


def _billing_port(ctx: EffectContext) -> BillingPort | None:
    """The payments integration doubles as the billing port when it implements it (Stripe does)."""
    port = ctx.payments
    return port if isinstance(port, BillingPort) else None


def _billing_effect(
    call: Callable[[BillingPort, int], Awaitable[_Answer]],
    reply: Callable[[_Answer], list[OutgoingMessage]],
) -> Effect:
    """An after-commit effect that asks the billing port once and replies from its answer. Every action
    says the same when payments are not set up, and shows the port's client-safe text when it is down."""

    async def effect(ctx: EffectContext) -> list[OutgoingMessage]:
        port = _billing_port(ctx)
        if port is None or ctx.client_id is None:
            return [OutgoingMessage(Texts.NOT_SET_UP)]
        try:
            answer = await call(port, ctx.client_id)
        except PaymentsUnavailable as exc:
            return [OutgoingMessage(str(exc))]
        return reply(answer)

    return effect


def _describe(sub: SubscriptionSummary) -> OutgoingMessage:
    amount = _money(sub.amount_minor, sub.currency)
    lines = [
        Texts.STATUS.format(program=sub.program_name, amount=amount, status=sub.status.replace("_", " "))
    ]
    row: list[Button]
    if sub.cancel_at_period_end:
        lines.append(Texts.ENDS.format(date=_day(sub.next_payment_at or None)))
        row = [Button(Texts.RESUME, f"/billing resume {sub.ref}")]
    else:
        if sub.next_payment_at is not None:
            lines.append(Texts.NEXT_PAYMENT.format(amount=amount, date=_day(sub.next_payment_at)))
        row = [Button(Texts.CANCEL, f"/billing cancel {sub.ref}")]
    row.append(Button(Texts.CARD, "/billing card"))
    return OutgoingMessage("\n".join(lines), (tuple(row),))


def _overview(subs: list[SubscriptionSummary]) -> list[OutgoingMessage]:
    if not subs:
        return [OutgoingMessage(Texts.NO_SUBSCRIPTION)]
    return [_describe(sub) for sub in subs]


def _set_cancel(ref: str, cancel: bool) -> Effect:
    def done(sub: SubscriptionSummary) -> list[OutgoingMessage]:
        text = Texts.CANCELLED if cancel else Texts.RESUMED
        return [OutgoingMessage(text.format(program=sub.program_name, date=_day(sub.next_payment_at)))]

    return _billing_effect(
        lambda port, client_id: port.set_cancel_at_period_end(client_id, ref, cancel), done
    )


def _portal(url: str) -> list[OutgoingMessage]:
    return [OutgoingMessage(Texts.PORTAL, url_buttons=(UrlButton(Texts.OPEN_PORTAL, url),))]


def _invoice_list(invoices: list[InvoiceSummary]) -> list[OutgoingMessage]:
    if not invoices:
        return [OutgoingMessage(Texts.NO_INVOICES)]
    lines = [Texts.INVOICES]
    links: list[UrlButton] = []
    for inv in invoices:
        lines.append(
            Texts.INVOICE_LINE.format(
                number=inv.number,
                date=_day(inv.created_at),
                amount=_money(inv.amount_minor, inv.currency),
                status=inv.status,
            )
        )
        if inv.url and len(links) < INVOICE_BUTTONS_MAX:
            links.append(UrlButton(Texts.INVOICE_BUTTON.format(number=inv.number), inv.url))
    return [OutgoingMessage("\n".join(lines), url_buttons=tuple(links))]


_show_subscriptions = _billing_effect(
    lambda port, client_id: port.subscriptions_for_client(client_id), _overview
)
_open_portal = _billing_effect(lambda port, client_id: port.billing_portal_url(client_id), _portal)
_show_invoices = _billing_effect(lambda port, client_id: port.invoices_for_client(client_id), _invoice_list)


async def billing_command(turn: Turn, args: str) -> Next:
    """``/billing`` [``cancel REF`` | ``resume REF`` | ``card``]."""
    action, _, ref = args.partition(" ")
    action, ref = action.lower(), ref.strip()
    if not action:
        turn.after_commit(_show_subscriptions)
        return STAY
    if action == "cancel" and ref:
        return StartFlow("billing", data={"ref": ref}, step="confirm_cancel")
    if action == "resume" and ref:
        turn.after_commit(_set_cancel(ref, False))
        return STAY
    if action == "card":
        turn.after_commit(_open_portal)
        return STAY
    turn.say(Texts.UNKNOWN_ACTION)
    return STAY


async def invoices_command(turn: Turn, _args: str) -> Next:
    turn.after_commit(_show_invoices)
    return STAY


YES = frozenset({"yes", "y", "yes, cancel"})
NO = frozenset({"no", "n", "no, keep it", "keep"})


async def _confirm_answer(turn: Turn) -> Next:
    answer = turn.text.lower()
    if answer in YES:
        turn.after_commit(_set_cancel(str(turn.data.get("ref", "")), True))
        return END
    if answer in NO:
        turn.say(Texts.KEPT)
        return END
    raise InvalidAnswer(Texts.ANSWER_YES_NO)


BILLING_FLOW = Flow(
    name="billing",
    version=1,
    steps=(
        Step(
            "confirm_cancel",
            ask(Texts.CONFIRM_CANCEL, buttons((Texts.YES_CANCEL, "yes"), (Texts.NO_KEEP, "no"))),
            _confirm_answer,
        ),
    ),
)


def register() -> None:
    """Add ``/billing`` and ``/invoices`` to the conversation engine (idempotent)."""
    register_flow(BILLING_FLOW)
    register_command("/billing", handler=billing_command, help=Commands.BILLING)
    register_command("/invoices", handler=invoices_command, help=Commands.INVOICES)
