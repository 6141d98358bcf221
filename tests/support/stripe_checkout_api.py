"""A local HTTP server for the parts of Stripe's API localstripe lacks: Checkout Sessions, Payment
Links, Prices and Billing Portal sessions, answered with the object shapes of Stripe's API reference.

Every other path is forwarded to a localstripe server, so one API base serves the whole ``stripe``
library. Like Stripe, it replays the first response for a repeated ``Idempotency-Key``. Completing a
session (what the client does in the browser) creates the real PaymentIntent or Subscription in
localstripe and delivers a signed ``checkout.session.completed`` event to the registered webhook.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import threading
import time
from typing import Any

import httpx
from aiohttp import ClientSession, web

from tests.support.localstripe_server import API_KEY

SESSION_LIFETIME_SECONDS = 24 * 3600  # Checkout Sessions expire after 24 hours by default


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header by Stripe's scheme: v1 = HMAC-SHA256(secret, f"{t}.{payload}")."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event(
    event_type: str, obj: dict[str, Any], *, event_id: str | None = None, created: int | None = None
) -> str:
    """A webhook event body as Stripe sends it."""
    return json.dumps(
        {
            "id": event_id or f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": "2025-03-31.basil",
            "created": created or int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
    )


def _unflatten(form: dict[str, str]) -> dict[str, Any]:
    from localstripe.server import unflatten_data
    from multidict import MultiDict

    return dict(unflatten_data(MultiDict(form)))


class CheckoutApi:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.url = ""
        self.sessions: dict[str, dict[str, Any]] = {}
        self.payment_links: dict[str, dict[str, Any]] = {}
        self.prices: dict[str, dict[str, Any]] = {}
        self.portal_sessions: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, idempotency key)
        self.webhook: tuple[str, str] | None = None
        # Make the next N requests fail with this status (rate limits, outages), then recover.
        self.fail_next: list[int] = []
        self._replies: dict[str, tuple[int, dict[str, Any]]] = {}
        self._in_flight: set[str] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="checkout-api", daemon=True)
        self._runner: web.AppRunner | None = None
        self._http: ClientSession | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        port = asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=30)
        self.url = f"http://127.0.0.1:{port}"

    async def _serve(self) -> int:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._http = ClientSession()
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return int(self._runner.addresses[0][1])

    def stop(self) -> None:
        async def _close() -> None:
            if self._http is not None:
                await self._http.close()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(_close(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)

    def reset(self) -> None:
        self.sessions.clear()
        self.payment_links.clear()
        self.prices.clear()
        self.portal_sessions.clear()
        self.requests.clear()
        self.fail_next.clear()
        self._replies.clear()
        self._in_flight.clear()
        self.webhook = None

    # --- HTTP --------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        self.requests.append((request.method, request.path, key))
        if self.fail_next:
            status = self.fail_next.pop(0)
            kind = "rate_limit_error" if status == 429 else "api_error"
            return web.json_response({"error": {"type": kind, "message": "simulated"}}, status=status)
        if key and request.method == "POST" and key in self._replies:
            status, body = self._replies[key]
            return web.json_response(body, status=status, headers={"Idempotent-Replayed": "true"})
        if key and request.method == "POST" and key in self._in_flight:
            # Stripe answers a concurrent request with the same key with 409 (the library retries).
            error = {"type": "idempotency_error", "code": "idempotency_key_in_use", "message": "in use"}
            return web.json_response({"error": error}, status=409)
        path = request.path
        fields = {k: str(v) for k, v in (await request.post()).items()} if request.method == "POST" else {}
        form = _unflatten(fields) if fields else {}
        handled = self._local(request.method, path, form)
        if handled is None:
            if key and request.method == "POST":
                self._in_flight.add(key)
            try:
                return await self._forward(request, key)
            finally:
                self._in_flight.discard(key or "")
        status, body = handled
        if key and request.method == "POST":
            self._replies[key] = (status, body)
        return web.json_response(body, status=status)

    def _local(self, method: str, path: str, form: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        parts = path.strip("/").split("/")
        if path == "/v1/checkout/sessions" and method == "POST":
            return 200, self._create_session(form)
        if len(parts) == 4 and parts[:3] == ["v1", "checkout", "sessions"] and method == "GET":
            found = self.sessions.get(parts[3])
            return (200, found) if found else _missing("checkout.session", parts[3])
        if len(parts) == 5 and parts[:3] == ["v1", "checkout", "sessions"] and parts[4] == "expire":
            found = self.sessions.get(parts[3])
            if not found:
                return _missing("checkout.session", parts[3])
            found.update(status="expired", url=None)
            return 200, found
        if path == "/v1/prices" and method == "POST":
            return 200, self._create_price(form)
        if len(parts) == 3 and parts[:2] == ["v1", "prices"] and method == "GET":
            found = self.prices.get(parts[2])
            return (200, found) if found else _missing("price", parts[2])
        if path == "/v1/payment_links" and method == "POST":
            return 200, self._create_payment_link(form)
        if path == "/v1/billing_portal/sessions" and method == "POST":
            portal = {
                "id": f"bps_{secrets.token_hex(12)}",
                "object": "billing_portal.session",
                "customer": form.get("customer"),
                "return_url": form.get("return_url"),
                "locale": form.get("locale"),
                "url": f"{self.url}/p/session/{secrets.token_hex(8)}",
                "created": int(time.time()),
                "livemode": False,
            }
            self.portal_sessions.append(portal)
            return 200, portal
        return None

    async def _forward(self, request: web.Request, key: str | None) -> web.Response:
        assert self._http is not None
        headers = {"Authorization": request.headers.get("Authorization", "")}
        if request.content_type:
            headers["Content-Type"] = request.content_type
        async with self._http.request(
            request.method, f"{self.upstream}{request.path_qs}", data=await request.read(), headers=headers
        ) as upstream:
            body = await upstream.read()
            status = upstream.status
        if key and request.method == "POST" and status < 500:
            self._replies[key] = (status, json.loads(body))
        return web.Response(body=body, status=status, content_type="application/json")

    # --- objects -----------------------------------------------------------------------------

    def _create_price(self, form: dict[str, Any]) -> dict[str, Any]:
        recurring = form.get("recurring")
        price = {
            "id": f"price_{secrets.token_hex(12)}",
            "object": "price",
            "active": True,
            "currency": form.get("currency", "usd"),
            "unit_amount": int(form.get("unit_amount", 0)),
            "type": "recurring" if recurring else "one_time",
            "recurring": {"interval": recurring.get("interval"), "interval_count": 1} if recurring else None,
            "product": form.get("product") or f"prod_{secrets.token_hex(8)}",
            "metadata": form.get("metadata", {}),
            "created": int(time.time()),
            "livemode": False,
        }
        self.prices[price["id"]] = price
        return price

    def _create_session(self, form: dict[str, Any]) -> dict[str, Any]:
        line_items = form.get("line_items") or []
        total = 0
        currency = None
        for item in line_items:
            data = item.get("price_data") or self.prices.get(item.get("price", ""), {})
            total += int(data.get("unit_amount", 0)) * int(item.get("quantity", 1))
            currency = data.get("currency", currency)
        session_id = f"cs_test_{secrets.token_hex(16)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "client_reference_id": form.get("client_reference_id"),
            "created": int(time.time()),
            "currency": currency,
            "customer": form.get("customer"),
            "expires_at": int(time.time()) + SESSION_LIFETIME_SECONDS,
            "invoice": None,
            "livemode": False,
            "metadata": form.get("metadata", {}),
            "mode": form.get("mode", "payment"),
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "subscription": None,
            "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"),
            "locale": form.get("locale"),
            "url": f"{self.url}/c/pay/{session_id}",
            "_line_items": line_items,
            "_payment_intent_data": form.get("payment_intent_data", {}),
            "_subscription_data": form.get("subscription_data", {}),
        }
        self.sessions[session_id] = session
        return _public(session)

    def _create_payment_link(self, form: dict[str, Any]) -> dict[str, Any]:
        link_id = f"plink_{secrets.token_hex(12)}"
        link = {
            "id": link_id,
            "object": "payment_link",
            "active": True,
            "metadata": form.get("metadata", {}),
            "after_completion": form.get("after_completion", {"type": "hosted_confirmation"}),
            "url": f"{self.url}/b/{link_id}",
            "livemode": False,
        }
        self.payment_links[link_id] = link
        return link

    # --- what the client does in the browser -------------------------------------------------

    def register_webhook(self, url: str, secret: str) -> None:
        self.webhook = (url, secret)

    def complete(self, session_id: str, *, payment_method: str = "pm_card_visa") -> dict[str, Any]:
        """Pay an open session: real objects in localstripe, then the signed completion event.

        Returns the completed session; raises ``stripe.CardError`` for a declined card (the session
        stays open, as on Stripe's page)."""
        import stripe

        session = self.sessions[session_id]
        client = stripe.StripeClient(API_KEY, base_addresses={"api": self.upstream})
        customer = session["customer"]
        item = session["_line_items"][0]
        data = item.get("price_data") or self.prices[item["price"]]
        if session["mode"] == "payment":
            meta = session["_payment_intent_data"].get("metadata", {})
            intent = client.v1.payment_intents.create(
                {
                    "amount": session["amount_total"],
                    "currency": session["currency"],
                    "customer": customer,
                    "payment_method": payment_method,
                    "confirm": True,
                    "metadata": meta,
                }
            )
            session["payment_intent"] = intent.id
        else:
            method = client.v1.payment_methods.attach(payment_method, {"customer": customer})
            client.v1.customers.update(customer, {"invoice_settings": {"default_payment_method": method.id}})
            product = data.get("product_data", {}).get("name", "Program")
            plan = client.v1.plans.create(
                {
                    "amount": int(data["unit_amount"]),
                    "currency": data["currency"],
                    "interval": (data.get("recurring") or {}).get("interval", "month"),
                    "product": {"name": product},
                }
            )
            meta = session["_subscription_data"].get("metadata", {})
            sub = client.v1.subscriptions.create(
                {"customer": customer, "items": [{"plan": plan.id}], "metadata": meta}
            )
            session["subscription"] = sub.id
            session["invoice"] = sub.to_dict().get("latest_invoice")
        session.update(status="complete", payment_status="paid", url=None)
        completed = _public(session)
        self.deliver("checkout.session.completed", completed)
        return completed

    def deliver(self, event_type: str, obj: dict[str, Any], **kwargs: Any) -> httpx.Response | None:
        """Sign and POST an event to the registered webhook, as Stripe does."""
        if self.webhook is None:
            return None
        url, secret = self.webhook
        body = event(event_type, obj, **kwargs)
        return httpx.post(url, content=body, headers={"Stripe-Signature": sign(body, secret)}, timeout=30)


def _public(session: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in session.items() if not k.startswith("_")}


def _missing(kind: str, object_id: str) -> tuple[int, dict[str, Any]]:
    return 404, {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": f"No such {kind}: '{object_id}'",
            "param": "id",
        }
    }
