"""Stripe webhook events: verified, stored once, and applied in the same transaction as their effects.

Events can arrive twice and out of order (platform-limits.md). Each event id is inserted into
``provider_events`` in the transaction that applies it, so a duplicate either finds the row or fails
on its unique constraint and changes nothing. Where order matters (subscriptions) the current object is
fetched from Stripe before the transaction, and the event's own snapshot is only a fallback.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import stripe
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.i18n import format_amount, use_locale
from conversations.messages import OutgoingMessage
from conversations.texts import CoachNotices
from domain.clock import Clock, utcnow
from domain.db import Database
from domain.errors import DomainError
from domain.insights.data import client_coach_locale
from domain.models import Enrollment, Subscription
from domain.models.enums import EnrollmentStatus
from domain.services import billing
from domain.services.audit import record_rejected_request
from domain.services.booking import close_paid_extra_session
from domain.services.clients import client_locale
from domain.services.enrollments import (
    change_enrollment_status,
    enrollment_coach_id,
    find_enrollment,
)
from domain.services.notices import notify_coach
from domain.services.outbox import enqueue_for_client
from domain.services.payments import find_payment, record_refund
from domain.services.provider_events import provider_event_recorded, record_provider_event
from integrations.stripe import texts
from integrations.stripe.client import WEBHOOK_TOLERANCE_SECONDS
from integrations.stripe.objects import (
    invoice_payment_id,
    invoice_subscription_id,
    metadata_int,
    ref,
    subscription_state,
)
from integrations.stripe.payments import StripePayments, program_name, tell_client_refund

log = logging.getLogger(__name__)

PROVIDER = "stripe"


@dataclass(frozen=True, slots=True)
class WebhookResult:
    status: int
    text: str


@dataclass(slots=True)
class _Event:
    id: str
    type: str
    obj: dict[str, Any]
    # Fresh copies fetched from Stripe before the transaction (kind -> object).
    fresh: dict[str, dict[str, Any]]


Handler = Callable[[AsyncSession, _Event], Awaitable[None]]


class FetchFailed(Exception):
    """Stripe could not be asked for the current state; the event is answered 503 and re-sent later."""


class StripeWebhookProcessor:
    def __init__(
        self,
        db: Database,
        secret: str,
        payments: StripePayments | None = None,
        *,
        dunning_days: Sequence[int] = billing.DEFAULT_DUNNING_DAYS,
        tolerance: int = WEBHOOK_TOLERANCE_SECONDS,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.secret = secret
        self.payments = payments
        self.dunning_days = tuple(dunning_days)
        self.tolerance = tolerance
        self.clock = clock
        self.handlers: dict[str, Handler] = {
            "checkout.session.completed": self._checkout_completed,
            "checkout.session.async_payment_succeeded": self._checkout_completed,
            "payment_intent.succeeded": self._payment_intent_succeeded,
            "payment_intent.payment_failed": self._payment_intent_failed,
            "invoice.paid": self._invoice_paid,
            # Older accounts (and localstripe) send this one for the same moment.
            "invoice.payment_succeeded": self._invoice_paid,
            "invoice.payment_failed": self._invoice_failed,
            "customer.subscription.created": self._subscription_changed,
            "customer.subscription.updated": self._subscription_changed,
            "customer.subscription.deleted": self._subscription_deleted,
            "charge.refunded": self._charge_refunded,
        }

    # --- receiving ---------------------------------------------------------------------------

    async def receive(self, body: bytes, signature: str | None) -> WebhookResult:
        try:
            payload = body.decode("utf-8")
        except UnicodeDecodeError:
            return await self._reject("undecodable body")
        try:
            stripe.WebhookSignature.verify_header(payload, signature or "", self.secret, self.tolerance)
        except stripe.SignatureVerificationError as exc:
            stale = "tolerance" in str(exc)
            return await self._reject("stale signature" if stale else "bad signature")
        if not self._timely(signature or ""):
            # The library checks only the past; a signature minted ahead is refused as well.
            return await self._reject("stale signature")
        event = _parse(payload)
        if event is None:
            return await self._reject("malformed event")
        handler = self.handlers.get(event.type)
        if handler is None:
            return WebhookResult(200, "ignored")
        if await self._seen(event.id):
            return WebhookResult(200, "duplicate")
        try:
            event.fresh = await self._fetch_current(event)
        except FetchFailed:
            return WebhookResult(503, "stripe unavailable, retry later")
        try:
            async with self.db.unit_of_work() as session:
                await record_provider_event(
                    session,
                    provider=PROVIDER,
                    event_id=event.id,
                    event_type=event.type,
                    summary={"object": ref(event.obj.get("id")) or ""},
                )
                await handler(session, event)
        except IntegrityError:
            # A concurrent delivery of the same event committed first.
            return WebhookResult(200, "duplicate")
        except DomainError as exc:
            # A rule refused the effect (e.g. a stale transition): answered 200 so Stripe stops
            # re-sending something that will never apply; kept in the audit trail.
            log.warning("stripe event %s (%s) not applied: %s", event.id, event.type, exc.code)
            return await self._remember_refused(event, exc.code)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, DataError):
            # Well-formed JSON whose object has fields of the wrong shape (or values the database
            # cannot hold): nothing was applied.
            log.warning("stripe event %s (%s) has a malformed object", event.id, event.type)
            return await self._reject("malformed event object")
        return WebhookResult(200, "processed")

    async def _remember_refused(self, event: _Event, code: str) -> WebhookResult:
        try:
            async with self.db.unit_of_work() as session:
                await record_provider_event(
                    session,
                    provider=PROVIDER,
                    event_id=event.id,
                    event_type=event.type,
                    summary={"refused": code},
                )
        except IntegrityError:
            pass  # a concurrent delivery recorded it first
        return WebhookResult(200, "refused")

    def _timely(self, header: str) -> bool:
        stamps = [v for k, _, v in (p.strip().partition("=") for p in header.split(",")) if k == "t"]
        now = time.time()  # the signature's clock, as the library uses (not the business clock)
        return bool(stamps) and all(v.isdigit() and abs(now - int(v)) <= self.tolerance for v in stamps)

    async def _reject(self, reason: str) -> WebhookResult:
        """Answered 400 and counted: one audit row per minute, however many arrive."""
        log.warning("stripe webhook rejected: %s", reason)
        async with self.db.unit_of_work() as session:
            await record_rejected_request(session, source="stripe", reason=reason)
        return WebhookResult(400, reason)

    async def _seen(self, event_id: str) -> bool:
        async with self.db.unit_of_work() as session:
            return await provider_event_recorded(session, provider=PROVIDER, event_id=event_id)

    async def _fetch_current(self, event: _Event) -> dict[str, dict[str, Any]]:
        """The subscription behind an event, as Stripe sees it now (order of events no longer matters)."""
        if self.payments is None:
            return {}
        sub_id: str | None = None
        if event.type.startswith("customer.subscription."):
            sub_id = ref(event.obj.get("id"))
        elif event.type.startswith("invoice."):
            sub_id = invoice_subscription_id(event.obj)
        elif event.type.startswith("checkout.session."):
            sub_id = ref(event.obj.get("subscription"))
        if not sub_id:
            return {}
        try:
            return {"subscription": await self.payments.fetch("subscription", sub_id)}
        except stripe.InvalidRequestError:
            return {}  # deleted or unknown: the event's snapshot is all there is
        except stripe.StripeError as exc:
            log.warning("stripe fetch for event %s failed: %s", event.id, type(exc).__name__)
            raise FetchFailed from exc

    # --- handlers ----------------------------------------------------------------------------

    async def _checkout_completed(self, session: AsyncSession, event: _Event) -> None:
        checkout = event.obj
        if checkout.get("payment_status") not in ("paid", "no_payment_required"):
            return  # delayed payment methods: checkout.session.async_payment_succeeded follows
        enrollment_id = metadata_int(checkout, "enrollment_id")
        if enrollment_id is None:
            return
        sub = event.fresh.get("subscription")
        if sub is not None:
            enrollment = await find_enrollment(session, enrollment_id)
            if enrollment is not None:
                await billing.sync_subscription(
                    session,
                    subscription_state(sub),
                    client_id=enrollment.client_id,
                    enrollment_id=enrollment_id,
                )
        await self._settle(
            session,
            enrollment_id,
            amount_minor=int(checkout.get("amount_total") or 0),
            currency=str(checkout.get("currency") or "usd"),
            provider_payment_id=ref(checkout.get("payment_intent")),
            provider_checkout_id=ref(checkout.get("id")),
            provider_invoice_id=ref(checkout.get("invoice")),
        )

    async def _payment_intent_succeeded(self, session: AsyncSession, event: _Event) -> None:
        intent = event.obj
        enrollment_id = metadata_int(intent, "enrollment_id")
        if enrollment_id is None:
            payment = await find_payment(session, provider_payment_id=ref(intent.get("id")))
            enrollment_id = payment.enrollment_id if payment else None
        if enrollment_id is None:
            return  # an invoice's intent: invoice.paid carries the subscription context
        await self._settle(
            session,
            enrollment_id,
            amount_minor=int(intent.get("amount_received") or intent.get("amount") or 0),
            currency=str(intent.get("currency") or "usd"),
            provider_payment_id=ref(intent.get("id")),
        )

    async def _payment_intent_failed(self, session: AsyncSession, event: _Event) -> None:
        intent = event.obj
        intent_id = ref(intent.get("id"))
        enrollment_id = metadata_int(intent, "enrollment_id")
        payment = await find_payment(session, provider_payment_id=intent_id)
        if enrollment_id is None and payment is not None:
            enrollment_id = payment.enrollment_id
        enrollment = await find_enrollment(session, enrollment_id) if enrollment_id else None
        if enrollment is None:
            return
        error = intent.get("last_payment_error") or {}
        reason = str(error.get("message") or "the card was declined")  # kept for us, in English
        recorded = await billing.record_failed_payment(
            session,
            client_id=enrollment.client_id,
            enrollment_id=enrollment.id,
            amount_minor=int(intent.get("amount") or 0),
            currency=str(intent.get("currency") or "usd"),
            reason=reason,
            provider_payment_id=intent_id,
        )
        if recorded is not None and enrollment.status == EnrollmentStatus.PENDING_PAYMENT:
            with use_locale(await client_locale(session, enrollment.client_id)):
                said = texts.decline_reason(error.get("code"), error.get("decline_code"))
                failed = texts.payment_failed(said).to_dict()
            await enqueue_for_client(
                session,
                enrollment.client_id,
                failed,
                dedupe_key=f"payfail:{event.id}",
                by_email=True,  # payment news goes by email when the client chose email
            )

    async def _invoice_paid(self, session: AsyncSession, event: _Event) -> None:
        invoice = event.obj
        sub = await self._subscription_row(session, event)
        if sub is None or sub.enrollment_id is None:
            return
        await billing.resolve_dunning(session, sub, now=self.clock())
        await self._settle(
            session,
            sub.enrollment_id,
            amount_minor=int(invoice.get("amount_paid") or invoice.get("total") or 0),
            currency=str(invoice.get("currency") or sub.currency),
            provider_payment_id=invoice_payment_id(invoice),
            provider_invoice_id=ref(invoice.get("id")),
        )

    async def _invoice_failed(self, session: AsyncSession, event: _Event) -> None:
        invoice = event.obj
        invoice_id = ref(invoice.get("id"))
        sub = await self._subscription_row(session, event)
        if sub is None or sub.enrollment_id is None or invoice_id is None:
            return
        amount = int(invoice.get("amount_due") or sub.amount_minor)
        currency = str(invoice.get("currency") or sub.currency)
        await billing.record_failed_payment(
            session,
            client_id=sub.client_id,
            enrollment_id=sub.enrollment_id,
            amount_minor=amount,
            currency=currency,
            reason="renewal payment failed",
            provider_payment_id=invoice_payment_id(invoice),
            provider_invoice_id=invoice_id,
        )
        enrollment = await find_enrollment(session, sub.enrollment_id)
        if enrollment is None or enrollment.status != EnrollmentStatus.ACTIVE:
            return  # a first payment failing is the checkout's business, not dunning
        url = invoice.get("hosted_invoice_url")
        total = len(self.dunning_days)
        with use_locale(await client_locale(session, enrollment.client_id)):
            reminders = [
                texts.dunning_reminder(i + 1, total, texts.client_money(amount, currency), url).to_dict()
                for i in range(total)
            ]
        case = await billing.start_dunning(
            session,
            sub,
            provider_invoice_id=invoice_id,
            reminders=reminders,
            days=self.dunning_days,
            now=self.clock(),
        )
        if case is not None:
            await self._notify(
                session,
                enrollment,
                kind="payment_failed",
                text="A client's monthly payment failed; reminders are scheduled.",
                values={},
                dedupe_key=f"notice:dunning:{case.id}",
            )

    async def _subscription_changed(self, session: AsyncSession, event: _Event) -> None:
        sub = await self._subscription_row(session, event)
        if sub is not None and sub.status == "active" and sub.dunning_step:
            await billing.resolve_dunning(session, sub, now=self.clock())

    async def _subscription_deleted(self, session: AsyncSession, event: _Event) -> None:
        sub = await self._subscription_row(session, event)
        if sub is None or sub.enrollment_id is None:
            return
        enrollment = await find_enrollment(session, sub.enrollment_id)
        if enrollment is None or enrollment.status in (
            EnrollmentStatus.CANCELLED,
            EnrollmentStatus.COMPLETED,
        ):
            return
        await change_enrollment_status(session, enrollment.id, EnrollmentStatus.CANCELLED, actor="stripe")
        name = await program_name(session, enrollment.id)
        with use_locale(await client_locale(session, enrollment.client_id)):
            ended = texts.subscription_ended(name)
        await self._tell_client_and_coach(
            session,
            enrollment,
            ended,
            client_key=f"sub-ended:{sub.id}",
            kind="subscription_ended",
            text=f"A client's {name} subscription ended.",
            values={"program": name},
            dedupe_key=f"notice:sub-ended:{sub.id}",
        )

    async def _charge_refunded(self, session: AsyncSession, event: _Event) -> None:
        charge = event.obj
        payment = await find_payment(
            session,
            provider_payment_id=ref(charge.get("payment_intent")) or ref(charge.get("id")),
            provider_invoice_id=ref(charge.get("invoice")),
        )
        if payment is None:
            return
        # ``amount_refunded`` is the running total, so a late or repeated event never lowers it.
        total = min(int(charge.get("amount_refunded") or 0), payment.amount_minor)
        if total <= payment.refunded_minor:
            return
        payment = await record_refund(session, payment.id, total, actor="stripe")
        await tell_client_refund(session, payment)

    # --- shared effects ----------------------------------------------------------------------

    async def _settle(
        self,
        session: AsyncSession,
        enrollment_id: int,
        *,
        amount_minor: int,
        currency: str,
        provider_payment_id: str | None = None,
        provider_checkout_id: str | None = None,
        provider_invoice_id: str | None = None,
    ) -> None:
        """Payment recorded, enrollment active, client thanked and coach told, each at most once."""
        if await find_enrollment(session, enrollment_id) is None:
            return
        settled = await billing.settle_enrollment_payment(
            session,
            enrollment_id=enrollment_id,
            amount_minor=amount_minor,
            currency=currency,
            provider_payment_id=provider_payment_id,
            provider_checkout_id=provider_checkout_id,
            provider_invoice_id=provider_invoice_id,
        )
        enrollment = settled.enrollment
        name = await program_name(session, enrollment.id)
        if settled.newly_active:
            extra_session = await close_paid_extra_session(session, enrollment.id, actor="stripe")
            with use_locale(await client_locale(session, enrollment.client_id)):
                thanks = texts.thank_you(name, extra_session=extra_session)
            await self._tell_client_and_coach(
                session,
                enrollment,
                thanks,
                client_key=f"paid:{enrollment.id}",
                kind="payment_received",
                text=await _payment_received_notice(
                    session, enrollment.client_id, amount_minor, currency, name
                ),
                data={"amount_minor": amount_minor, "currency": currency, "enrollment_id": enrollment.id},
                dedupe_key=f"notice:paid:{enrollment.id}",
            )
        elif enrollment.status == EnrollmentStatus.CANCELLED:
            await self._notify(
                session,
                enrollment,
                kind="payment_for_cancelled",
                text=f"A payment arrived for a cancelled {name} enrollment (payment {settled.payment.id}): "
                "consider `coach refund`.",
                values={"program": name, "payment": settled.payment.id},
                dedupe_key=f"notice:paid-cancelled:{settled.payment.id}",
            )

    async def _subscription_row(self, session: AsyncSession, event: _Event) -> Subscription | None:
        """Our subscription row, updated from the freshest state we have."""
        sub_obj = event.fresh.get("subscription")
        if sub_obj is None and event.type.startswith("customer.subscription."):
            sub_obj = event.obj
        sub_id = ref(sub_obj.get("id")) if sub_obj else invoice_subscription_id(event.obj)
        if not sub_id:
            return None
        row = await billing.find_subscription(session, sub_id)
        if sub_obj is None:
            return row
        enrollment_id = row.enrollment_id if row else metadata_int(sub_obj, "enrollment_id")
        enrollment = await find_enrollment(session, enrollment_id) if enrollment_id else None
        if row is None and enrollment is None:
            return None  # not one of ours
        client_id = row.client_id if row else enrollment.client_id  # type: ignore[union-attr]
        return await billing.sync_subscription(
            session, subscription_state(sub_obj), client_id=client_id, enrollment_id=enrollment_id
        )

    async def _notify(
        self,
        session: AsyncSession,
        enrollment: Enrollment,
        *,
        kind: str,
        text: str,
        dedupe_key: str,
        data: dict[str, Any] | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        coach_id = await enrollment_coach_id(session, enrollment.id)
        if coach_id is None:
            return
        await notify_coach(
            session,
            coach_id=coach_id,
            kind=kind,
            text=text,
            client_id=enrollment.client_id,
            data=data or {"enrollment_id": enrollment.id},
            dedupe_key=dedupe_key,
            values=values,
        )

    async def _tell_client_and_coach(
        self,
        session: AsyncSession,
        enrollment: Enrollment,
        client_message: OutgoingMessage,
        *,
        client_key: str,
        kind: str,
        text: str,
        dedupe_key: str,
        data: dict[str, Any] | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        """Queue the client's message and the coach's notice together, each once."""
        await enqueue_for_client(
            session, enrollment.client_id, client_message.to_dict(), dedupe_key=client_key, by_email=True
        )
        await self._notify(
            session, enrollment, kind=kind, text=text, dedupe_key=dedupe_key, data=data, values=values
        )

    # --- dunning sweep -----------------------------------------------------------------------

    async def pause_overdue(self, now: datetime | None = None) -> int:
        """Pause enrollments whose last dunning reminder is due; returns how many were paused."""
        now = now or self.clock()
        paused = 0
        async with self.db.unit_of_work() as session:
            for case in await billing.due_dunning_cases(session, now=now):
                enrollment = await billing.pause_for_dunning(session, case, now=now)
                if enrollment is None:
                    continue
                paused += 1
                name = await program_name(session, enrollment.id)
                with use_locale(await client_locale(session, enrollment.client_id)):
                    paused_message = texts.paused_after_dunning(name)
                await self._tell_client_and_coach(
                    session,
                    enrollment,
                    paused_message,
                    client_key=f"dunning:{case.id}:paused",
                    kind="paused_unpaid",
                    text=f"A client's {name} program is paused: the monthly payment is still unpaid.",
                    values={"program": name},
                    dedupe_key=f"notice:dunning-paused:{case.id}",
                )
        return paused


def _parse(payload: str) -> _Event | None:
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, Mapping):
        return None
    event_id, event_type, inner = data.get("id"), data.get("type"), data.get("data")
    obj = inner.get("object") if isinstance(inner, Mapping) else None
    if not isinstance(event_id, str) or not isinstance(event_type, str) or not isinstance(obj, Mapping):
        return None
    if not isinstance(obj.get("id"), str):
        return None
    return _Event(id=event_id, type=event_type, obj=dict(obj), fresh={})


async def _payment_received_notice(
    session: AsyncSession, client_id: int, amount_minor: int, currency: str, program: str
) -> str:
    """The coach's notice in the coach's language (the amount formatted for it)."""
    with use_locale(await client_coach_locale(session, client_id)):
        return CoachNotices.PAYMENT_RECEIVED.format(
            amount=format_amount(amount_minor, currency), program=program
        )
