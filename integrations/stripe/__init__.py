"""Stripe: Checkout and billing behind ``conversations.ports``, and the webhook events that settle them."""

from integrations.stripe.client import build_stripe_client
from integrations.stripe.payments import RefundResult, StripePayments
from integrations.stripe.webhooks import StripeWebhookProcessor, WebhookResult

__all__ = ["RefundResult", "StripePayments", "StripeWebhookProcessor", "WebhookResult", "build_stripe_client"]
