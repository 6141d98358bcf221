"""Reading Stripe objects (as plain dicts) across API versions, into the domain's provider-neutral shapes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe

from domain.services.billing import SubscriptionState

StripeDict = Mapping[str, Any]


def as_dict(obj: stripe.StripeObject | StripeDict) -> dict[str, Any]:
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    return dict(obj)


def ref(value: Any) -> str | None:
    """An id whether the field holds the id or the expanded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        inner = value.get("id")
        return inner if isinstance(inner, str) else None
    return None


def timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if isinstance(value, int | float) and value else None


ID_MAX = 2**31 - 1  # our ids are 32-bit integer columns


def metadata_int(obj: StripeDict, key: str) -> int | None:
    """One of our ids from the metadata; None when absent or not a positive 32-bit integer."""
    meta = obj.get("metadata") or {}
    value = meta.get(key) if isinstance(meta, Mapping) else None
    if isinstance(value, str) and len(value) > len(str(ID_MAX)):
        return None
    try:
        number = int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and 0 < number <= ID_MAX else None


def _first_item(sub: StripeDict) -> StripeDict:
    items = sub.get("items") or {}
    data = items.get("data") if isinstance(items, Mapping) else None
    return data[0] if data else {}


def subscription_state(sub: StripeDict) -> SubscriptionState:
    """Amount and period end moved onto subscription items in newer API versions: read both places."""
    item = _first_item(sub)
    price = item.get("price") or item.get("plan") or {}
    unit = price.get("unit_amount")
    if unit is None:
        unit = price.get("amount") or 0
    quantity = item.get("quantity") or 1
    period_end = sub.get("current_period_end") or item.get("current_period_end")
    return SubscriptionState(
        provider_subscription_id=str(sub["id"]),
        status=str(sub.get("status") or "incomplete"),
        amount_minor=int(unit) * int(quantity),
        currency=str(price.get("currency") or sub.get("currency") or "usd").lower(),
        current_period_end=timestamp(period_end),
        cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
    )


def invoice_subscription_id(invoice: StripeDict) -> str | None:
    """``invoice.subscription`` before API 2025-03; ``parent.subscription_details.subscription`` after."""
    direct = ref(invoice.get("subscription"))
    if direct:
        return direct
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") if isinstance(parent, Mapping) else None
    return ref(details.get("subscription")) if isinstance(details, Mapping) else None


def invoice_payment_id(invoice: StripeDict) -> str | None:
    return ref(invoice.get("payment_intent")) or ref(invoice.get("charge"))
