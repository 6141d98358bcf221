"""The Stripe client we use everywhere, and how its errors read to a client in chat."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import stripe
from stripe._base_address import BaseAddresses

from conversations.ports import PaymentsUnavailable
from conversations.texts import PaymentProblems as Problems
from integrations.stripe.texts import decline_reason

log = logging.getLogger(__name__)

# Stripe test mode allows about 25 requests/s and live 100/s (platform-limits.md); a 429, a 5xx or a
# dropped connection is retried by the library with exponential backoff (0.5 s doubling, max 5 s),
# always with the same idempotency key, so a retry never creates a second object.
STRIPE_NETWORK_RETRIES = 3
# The library does not retry a plain 429 (only with Stripe-Should-Retry), so rate limits get our own
# retries: exponential backoff with jitter from RATE_LIMIT_BASE_DELAY, at most RATE_LIMIT_ATTEMPTS tries.
RATE_LIMIT_ATTEMPTS = 4
RATE_LIMIT_BASE_DELAY = 0.5
# Webhook signatures older than this are rejected (stripe.Webhook.DEFAULT_TOLERANCE, 300 s).
WEBHOOK_TOLERANCE_SECONDS = 300


def build_stripe_client(api_key: str, api_url: str | None = None) -> stripe.StripeClient:
    """A client for ``api_key``; ``api_url`` (COACH_STRIPE_API_URL) points it at a mock server."""
    base: BaseAddresses = {"api": api_url.rstrip("/")} if api_url else {}
    return stripe.StripeClient(
        api_key,
        base_addresses=base,
        max_network_retries=STRIPE_NETWORK_RETRIES,
        http_client=stripe.HTTPXClient(),
    )


T = TypeVar("T")


async def with_backoff(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = RATE_LIMIT_ATTEMPTS,
    base_delay: float = RATE_LIMIT_BASE_DELAY,
) -> T:
    """Run ``call`` again after a rate limit, waiting longer each time (same idempotency key inside)."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except stripe.RateLimitError:
            if attempt == attempts:
                raise
            await asyncio.sleep(base_delay * 2 ** (attempt - 1) * random.uniform(1.0, 1.5))
    raise AssertionError("unreachable")


def client_message(error: stripe.StripeError) -> str:
    """A sentence safe to show the client, in the current (client's) language; details stay in our logs
    (by error type, no personal data)."""
    if isinstance(error, stripe.CardError):
        # Stripe writes its message in English: the reason is said from its codes instead.
        body = error.json_body.get("error") if isinstance(error.json_body, dict) else None
        issuer = body.get("decline_code") if isinstance(body, dict) else None
        return Problems.CARD_DECLINED.format(reason=decline_reason(error.code, issuer))
    if isinstance(error, stripe.RateLimitError):
        return Problems.BUSY
    if isinstance(error, stripe.APIConnectionError):
        return Problems.UNREACHABLE
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        return Problems.NOT_SET_UP
    return Problems.FAILED


def unavailable(error: stripe.StripeError, action: str) -> PaymentsUnavailable:
    """Log the failure (type, code, request id only) and turn it into the client-safe exception."""
    log.warning(
        "stripe %s failed: %s code=%s request=%s",
        action,
        type(error).__name__,
        error.code,
        error.request_id,
    )
    return PaymentsUnavailable(client_message(error))
