"""Stripe: one cheap authenticated call (list one customer) and the webhook signing secret."""

from __future__ import annotations

import stripe

from bot.config import Settings
from bot.doctor.report import CheckResult, failed, ok, public_url, reason, secret_hint, skipped, timed
from bot.stripe_webhooks import WEBHOOK_PATH

NAME = "stripe"
SECRET = "stripe webhook secret"
NAMES = (NAME, SECRET)
DEFAULT_API_URL = "https://api.stripe.com"


def _mode(api_key: str) -> str:
    return "live" if "_live_" in api_key else "test" if "_test_" in api_key else "unknown-mode"


async def _authenticated(api_key: str, api_url: str | None, time_limit: float) -> CheckResult:
    where = public_url(api_url or DEFAULT_API_URL)
    # Not build_stripe_client: a check wants its own short timeout, no retries and a closed client.
    http = stripe.HTTPXClient(timeout=time_limit)
    client = stripe.StripeClient(
        api_key,
        base_addresses={"api": api_url.rstrip("/")} if api_url else {},
        http_client=http,
        max_network_retries=0,
    )
    try:
        await client.v1.customers.list_async({"limit": 1})
    except stripe.AuthenticationError:
        return failed(
            NAME, "Stripe rejected STRIPE_API_KEY (401): use a secret key (sk_…) from Developers → API keys"
        )
    except stripe.PermissionError:
        return failed(NAME, "STRIPE_API_KEY may not read customers: give the restricted key Customers access")
    except stripe.APIConnectionError as exc:
        return failed(NAME, f"cannot reach {where}: {reason(exc.__cause__ or exc)}")
    except stripe.StripeError as exc:
        return failed(NAME, f"{where} answered {exc.http_status}: {reason(exc)}")
    finally:
        await http.close_async()  # type: ignore[no-untyped-call]
    return ok(NAME, f"{_mode(api_key)} key {secret_hint(api_key)} accepted by {where}")


def _webhook_secret(settings: Settings) -> CheckResult:
    secret = settings.stripe_webhook_secret
    if secret:
        if not secret.startswith("whsec_"):
            return failed(SECRET, "STRIPE_WEBHOOK_SECRET must be the endpoint's signing secret (whsec_…)")
        return ok(SECRET, f"{secret_hint(secret)}; verifies POST {WEBHOOK_PATH}")
    return failed(
        SECRET,
        f"not set: payments are never confirmed; add an endpoint for https://<your host>{WEBHOOK_PATH} "
        "in the Stripe dashboard and copy its signing secret to STRIPE_WEBHOOK_SECRET",
    )


async def check(settings: Settings, time_limit: float) -> list[CheckResult]:
    api_key = settings.stripe_api_key
    if not api_key:
        if settings.stripe_webhook_secret:
            return [skipped(NAME, "not configured (STRIPE_API_KEY not set)"), _webhook_secret(settings)]
        return [skipped(name, "not configured (STRIPE_API_KEY not set)") for name in NAMES]
    auth = await timed(
        NAME,
        time_limit,
        lambda: _authenticated(api_key, settings.stripe_api_url, time_limit),
        target=public_url(settings.stripe_api_url or DEFAULT_API_URL),
    )
    return [auth, _webhook_secret(settings)]
