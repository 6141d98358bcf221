"""``POST /webhooks/stripe`` on the service's HTTP server, and the sweep that pauses unpaid enrollments."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.components import AppContext, Component
from bot.config import PAYMENT_CANCEL_PATH, PAYMENT_SUCCESS_PATH, Settings
from bot.http import door
from bot.web.i18n import accepted_language
from conversations.i18n import supported_locale, use_locale
from conversations.texts import PaymentPages as Pages
from domain.db import Database, is_unavailable
from integrations.stripe import StripePayments, StripeWebhookProcessor, build_stripe_client
from integrations.stripe.payments import RETURN_LANGUAGE_PARAM

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/stripe"
# How often overdue dunning cases are checked; the schedule is in days, so minutes are plenty.
DUNNING_SWEEP_SECONDS = 15 * 60


def stripe_payments_for(ctx: AppContext) -> StripePayments | None:
    """The payments integration when ``STRIPE_API_KEY`` is set, else None (``/pay`` then explains)."""
    settings = ctx.settings
    if not settings.stripe_api_key:
        return None
    return build_payments(ctx.db, settings.stripe_api_key, settings)


def build_payments(db: Database, api_key: str, settings: Settings) -> StripePayments:
    return StripePayments(
        db,
        build_stripe_client(api_key, settings.stripe_api_url),
        success_url=settings.payment_success_url,
        cancel_url=settings.payment_cancel_url,
    )


class PaymentPages(Component):
    """The default pages Stripe Checkout returns the browser to (COACH_STRIPE_*_URL override them)."""

    name = "payment-pages"

    def install_routes(self, app: web.Application) -> None:
        app.router.add_get(PAYMENT_SUCCESS_PATH, self._page(lambda: Pages.SUCCESS))
        app.router.add_get(PAYMENT_CANCEL_PATH, self._page(lambda: Pages.CANCELLED))

    @staticmethod
    def _page(text: Callable[[], str]) -> Callable[[web.Request], Awaitable[web.Response]]:
        # The conversation itself continues in the chat; the page is in the client's language, which
        # the return URL carries (``lang``), else the browser's (a URL typed or shared by hand).
        async def show(request: web.Request) -> web.Response:
            language = supported_locale(request.query.get(RETURN_LANGUAGE_PARAM)) or accepted_language(
                request.headers.get("Accept-Language")
            )
            with use_locale(language):
                return web.Response(text=text())

        return show


class StripeWebhooks(Component):
    name = "stripe-webhooks"

    def __init__(
        self, processor: StripeWebhookProcessor, *, sweep_seconds: float = DUNNING_SWEEP_SECONDS
    ) -> None:
        self.processor = processor
        self.sweep_seconds = sweep_seconds
        self._sweeper: asyncio.Task[None] | None = None

    @classmethod
    def from_context(cls, ctx: AppContext, payments: StripePayments | None) -> StripeWebhooks:
        assert ctx.settings.stripe_webhook_secret
        processor = StripeWebhookProcessor(
            ctx.db,
            ctx.settings.stripe_webhook_secret,
            payments,
            dunning_days=ctx.settings.dunning_days,
        )
        return cls(processor)

    def install_routes(self, app: web.Application) -> None:
        app.router.add_post(WEBHOOK_PATH, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        """The door first (size, signature within ±300 s, JSON within limits), then the processor."""
        signature = request.headers.get("Stripe-Signature")
        try:
            body = await door.read_body(request, door.STRIPE_LIMITS)
            door.check_stripe_signature(
                body, signature, self.processor.secret, tolerance=self.processor.tolerance
            )
            door.parse_json(door.decode(body), door.STRIPE_LIMITS)
        except door.Refused as refused:
            return await door.refuse(self.processor.db, "stripe", refused)
        try:
            result = await self.processor.receive(body, signature)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            # Nothing was stored, so nothing is acknowledged: Stripe retries for days.
            log.warning("stripe webhook not stored (%s); answered 503", type(exc).__name__)
            return web.Response(status=503, text="try again later")
        return web.Response(status=result.status, text=result.text)

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="dunning-sweep")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper

    async def _sweep_forever(self) -> None:
        while True:
            try:
                paused = await self.processor.pause_overdue()
                if paused:
                    log.info("paused %d enrollments after unpaid renewals", paused)
            except Exception:
                log.exception("dunning sweep failed")
            await asyncio.sleep(self.sweep_seconds)
