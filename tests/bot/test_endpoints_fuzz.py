"""Fuzzing the four public endpoints over real HTTP: POST /slack/events, /telegram/webhook,
/webhooks/stripe and /sms/webhook (Twilio-signed), with generated bodies and headers (Hypothesis).

Two properties: no request ever gets a 5xx, signed or not; and without a valid signature (or secret)
nothing stored changes — only the per-minute count of refused requests moves. The service runs in a
thread with its own event loop, as ``coach run`` would, while Hypothesis drives plain HTTP at it.
``COACH_FUZZ_EXAMPLES`` sets the examples per endpoint and phase (default: 1,000 on PostgreSQL, so
2,000 per endpoint; 100 on SQLite, where CI time is spent on everything else); SMS gets a quarter of
that (``COACH_FUZZ_SMS_EXAMPLES``): each signed example is a Twilio HMAC over the form as parsed, and
the other three already cover the shared door. The counts are printed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from bot.http import door
from bot.http.server import build_web_app
from bot.inbox.processor import InboxProcessor
from bot.outbound.sender import OutboundSender
from bot.slack.app import SlackBot
from bot.sms.channel import WEBHOOK_PATH as SMS_WEBHOOK_PATH
from bot.sms.channel import SmsChannel
from bot.stripe_webhooks import StripeWebhooks
from domain.db import Database
from domain.models import Base
from domain.models.system import REJECTED_REQUEST
from integrations.stripe import StripeWebhookProcessor
from tests.support.databases import postgres_requested, wipe
from tests.support.servers import serve_locally
from tests.support.slack_api import SlackApiServer
from tests.support.telegram_api import FakeTelegram
from tests.telegram.harness import WEBHOOK_SECRET as TELEGRAM_SECRET
from tests.telegram.harness import Harness, RecordingHandler, start_harness

SLACK_SECRET = "fuzz-signing-secret"
STRIPE_SECRET = "whsec_fuzz"
TWILIO_TOKEN = "twilio-fuzz-auth-token"
EXAMPLES = int(os.environ.get("COACH_FUZZ_EXAMPLES", "1000" if postgres_requested() else "100"))
SMS_EXAMPLES = int(os.environ.get("COACH_FUZZ_SMS_EXAMPLES", str(max(EXAMPLES // 4, 10))))
T = TypeVar("T")


class Service:
    """Our endpoints on one loop in a background thread; ``run`` executes a coroutine there."""

    def __init__(self, database_url: str, storage: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.database_url = database_url
        self.storage = storage
        self.urls: dict[str, str] = {}

    def run(self, work: Callable[[], Awaitable[T]], timeout: float = 60) -> T:
        async def call() -> T:
            return await work()

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(timeout)

    async def start(self) -> None:
        self.db = Database(self.database_url)
        await wipe(self.db)
        self.slack_api = SlackApiServer()
        await self.slack_api.start()
        self.sender = OutboundSender(self.db, poll_interval=0.05)
        bot = SlackBot(
            db=self.db,
            bot_token="xoxb-fuzz",
            signing_secret=SLACK_SECRET,
            handler=RecordingHandler(),
            sender=self.sender,
            api_url=self.slack_api.base_url,
            storage_dir=self.storage,
        )
        self.slack_bot = bot
        app = build_web_app(self.db)
        bot.install_routes(app)
        StripeWebhooks(StripeWebhookProcessor(self.db, STRIPE_SECRET)).install_routes(app)
        # Signed texts are stored and handled as coach run would: from numbers no client gave, dropped.
        self.sms_inbox = InboxProcessor(self.db, poll_interval=0.05)
        sms = SmsChannel(
            self.db,
            RecordingHandler(),
            self.sender,
            self.sms_inbox,
            auth_token=TWILIO_TOKEN,
            public_url="http://unset",
        )
        sms.install_routes(app)
        self.runner, root = await serve_locally(app)
        sms.public_url = root + SMS_WEBHOOK_PATH
        await self.sms_inbox.start()
        self.urls["slack"] = f"{root}/slack/events"
        self.urls["stripe"] = f"{root}/webhooks/stripe"
        self.urls["sms"] = sms.public_url
        self.telegram = FakeTelegram()
        await self.telegram.start()
        self.harness: Harness = await start_harness(
            self.db,
            self.telegram,
            RecordingHandler(),
            driver="aiogram",
            mode="webhook",
            storage_dir=self.storage,
        )
        assert self.harness.webhook_url is not None
        self.urls["telegram"] = self.harness.webhook_url

    async def stop(self) -> None:
        await self.slack_bot.drain()
        await self.sms_inbox.stop(grace=5)
        await self.harness.stop()
        await self.runner.cleanup()
        await self.telegram.stop()
        await self.slack_api.stop()
        await self.db.dispose()

    async def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every stored row, but the per-minute counts of refused requests."""
        rows: dict[str, list[tuple[Any, ...]]] = {}
        async with self.db.engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                query = select(table)
                if table.name == "audit_events":
                    query = query.where(table.c.action != REJECTED_REQUEST)
                rows[table.name] = sorted(tuple(map(repr, r)) for r in (await conn.execute(query)).all())
            await conn.execute(text("SELECT 1"))
        return rows


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    svc = Service(database_url, tmp_path / "files")
    svc.thread.start()
    svc.run(svc.start)
    try:
        yield svc
    finally:
        svc.run(svc.stop)
        svc.loop.call_soon_threadsafe(svc.loop.stop)
        svc.thread.join(10)


# --- what gets sent ------------------------------------------------------------------------------

HEADER_TEXT = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40)
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=False),
    st.text(max_size=50),
    st.sampled_from(["\x00", "\ud800", "<!channel>", "1e999", "update_id", "event_callback"]),
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8", "surrogatepass")


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """Raw bytes, JSON of any shape, platform-like objects with odd fields, forms, deep nesting."""
    kind = draw(st.sampled_from(["bytes", "json", "shaped", "form", "sms", "deep", "numbers"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "json":
        return _dumps(draw(JSON_VALUE))
    if kind == "shaped":
        base: dict[str, Any] = draw(
            st.sampled_from(
                [
                    {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1, "type": "private"}}},
                    {"type": "event_callback", "event_id": "Ev1", "event": {"type": "message"}},
                    {"type": "url_verification", "challenge": "c"},
                    {"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"id": "cs"}}},
                ]
            )
        )
        extra = draw(
            st.dictionaries(st.sampled_from(["update_id", "event", "data", "type", "text", "id"]), JSON_VALUE)
        )
        return _dumps({**base, **extra})
    if kind == "form":
        fields = draw(
            st.dictionaries(st.sampled_from(["payload", "command", "text", "user_id"]), st.text(max_size=60))
        )
        if draw(st.booleans()):
            fields["payload"] = json.dumps(draw(JSON_VALUE))
        return urlencode(fields).encode("utf-8", "surrogatepass")
    if kind == "sms":
        return urlencode(draw(sms_forms())).encode("utf-8", "surrogatepass")
    if kind == "deep":
        depth = draw(st.integers(min_value=30, max_value=50_000))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        return (opener * depth + "1" + closer * depth).encode()
    number = draw(st.sampled_from(["1e999", "-1e999", "1" * 30, "NaN", "Infinity", "10E400", "-0"]))
    return f'{{"update_id": {number}, "id": "evt", "type": "x", "data": {{"object": {{"id": "o", "amount_total": {number}}}}}}}'.encode()


SMS_FIELD_VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        ["+15551234567", "+4915112345678", "15551234567", "+1", "SM" + "0" * 32, "STOP", "HELP", "1"]
    ),
    st.text(st.characters(min_codepoint=0x30, max_codepoint=0x39), max_size=80),
)


@st.composite
def sms_forms(draw: st.DrawFn) -> dict[str, str]:
    """Twilio-shaped webhook forms: some fields missing, odd numbers and sids, keywords, long texts."""
    names = ["MessageSid", "SmsSid", "AccountSid", "From", "To", "Body", "NumMedia", "MediaUrl0"]
    return draw(st.dictionaries(st.sampled_from(names), SMS_FIELD_VALUES, max_size=len(names)))


@st.composite
def inbound_texts(draw: st.DrawFn) -> bytes:
    """A well-formed inbound text as Twilio posts it, with any body: these get stored and handled."""
    form = {
        "MessageSid": "SM" + draw(st.text("0123456789abcdef", min_size=32, max_size=32)),
        "AccountSid": "AC" + "0" * 32,
        "From": draw(st.sampled_from(["+15551234567", "+4915112345678", "+447700900123"])),
        "To": "+15550006666",
        "Body": draw(
            st.one_of(st.text(max_size=200), st.sampled_from(["STOP", "START", "HELP", "1", "yes"]))
        ),
    }
    return urlencode(form).encode("utf-8", "surrogatepass")


CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "",
        "application/json; charset=latin-1",
    ]
)


def signed_headers(endpoint: str, body: bytes, now: int, url: str = "") -> dict[str, str]:
    if endpoint == "slack":
        base = b"v0:" + str(now).encode() + b":" + body
        mac = hmac.new(SLACK_SECRET.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": f"v0={mac}"}
    if endpoint == "stripe":
        mac = hmac.new(STRIPE_SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
        return {"Stripe-Signature": f"t={now},v1={mac}"}
    if endpoint == "sms":
        return {door.TWILIO_SIGNATURE_HEADER: twilio_signature(url, body)}
    return {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}


def twilio_signature(url: str, body: bytes, token: str = TWILIO_TOKEN) -> str:
    """What Twilio would send for this body: a signature over the URL and the form as it parses."""
    from twilio.request_validator import RequestValidator

    try:
        form = door.parse_form(door.decode(body), door.TWILIO_LIMITS)
    except door.Refused:
        form = {}
    return str(RequestValidator(token).compute_signature(url, form))


@st.composite
def forged_headers(draw: st.DrawFn, endpoint: str, url: str) -> dict[str, str]:
    """Headers that look right but are not: wrong secrets, odd or stale timestamps, garbage."""
    names = {
        "slack": ["X-Slack-Request-Timestamp", "X-Slack-Signature"],
        "stripe": ["Stripe-Signature"],
        "telegram": ["X-Telegram-Bot-Api-Secret-Token"],
        "sms": [door.TWILIO_SIGNATURE_HEADER],
    }[endpoint]
    headers = draw(st.dictionaries(st.sampled_from(names), HEADER_TEXT))
    if draw(st.booleans()):
        now = int(time.time()) + draw(st.sampled_from([0, -400, 400, 10**6]))
        good = signed_headers(endpoint, b"something else", now)
        if endpoint == "telegram":
            good = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET + "x"}
        if endpoint == "sms":
            # Right URL, wrong token; or the right token over a different form.
            # The right URL with another token, or the right token over a form never generated.
            forged = [
                twilio_signature(url, b"", token="not-" + TWILIO_TOKEN),
                twilio_signature(url, b"Forged=1"),
            ]
            good = {door.TWILIO_SIGNATURE_HEADER: draw(st.sampled_from(forged))}
        headers = {**good, **headers} if draw(st.booleans()) else good
    return headers


@dataclass
class Tally:
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)

    def add(self, endpoint: str, status: int) -> None:
        self.statuses[(endpoint, status)] += 1

    def total(self, endpoint: str) -> int:
        return sum(n for (e, _), n in self.statuses.items() if e == endpoint)


def _post(http: httpx.Client, url: str, body: bytes, content_type: str, headers: dict[str, str]) -> int:
    all_headers = {**headers, "Content-Type": content_type} if content_type else headers
    return http.post(url, content=body, headers=all_headers).status_code


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


def fuzz(endpoint: str, *, signed: bool, http: httpx.Client, service: Service, tally: Tally) -> None:
    """Run Hypothesis over one endpoint: forged headers, or a valid signature over each body."""
    url = service.urls[endpoint]
    headers_for = st.just({}) if signed else forged_headers(endpoint, url)
    examples = SMS_EXAMPLES if endpoint == "sms" else EXAMPLES

    body_for = st.one_of(bodies(), inbound_texts()) if endpoint == "sms" else bodies()

    @settings(FUZZ_SETTINGS, max_examples=examples)
    @given(body=body_for, content_type=CONTENT_TYPES, headers=headers_for)
    def one(body: bytes, content_type: str, headers: dict[str, str]) -> None:
        if signed:
            headers = signed_headers(endpoint, body, int(time.time()), url)
        status = _post(http, url, body, content_type, headers)
        tally.add(endpoint, status)
        assert status < 500, (endpoint, status, body[:80], headers)
        if not signed:
            assert 400 <= status < 500, (endpoint, status, body[:80], headers)
        elif endpoint == "sms":
            # Signed as Twilio signs: refused only for what the form holds, never for the signature.
            assert status != 403, (body[:80], headers)

    one()


ENDPOINTS = ("slack", "telegram", "stripe", "sms")


def _enough(tally: Tally) -> bool:
    return all(tally.total(e) >= (SMS_EXAMPLES if e == "sms" else EXAMPLES) for e in ENDPOINTS)


@pytest.mark.once
def test_without_a_valid_signature_nothing_changes_and_nothing_fails(service: Service) -> None:
    before = service.run(service.snapshot)
    tally = Tally()
    with httpx.Client(timeout=30) as http:
        for endpoint in ENDPOINTS:
            fuzz(endpoint, signed=False, http=http, service=service, tally=tally)
    assert service.run(service.snapshot) == before
    print(f"\nunsigned requests (endpoint, status): {sorted(tally.statuses.items())}")
    assert _enough(tally)


@pytest.mark.once
def test_signed_garbage_never_gets_a_5xx(service: Service) -> None:
    tally = Tally()
    with httpx.Client(timeout=30) as http:
        for endpoint in ENDPOINTS:
            fuzz(endpoint, signed=True, http=http, service=service, tally=tally)
    service.run(service.slack_bot.drain)
    print(f"\nsigned requests (endpoint, status): {sorted(tally.statuses.items())}")
    assert _enough(tally)
    assert tally.statuses[("sms", 200)] > 0  # some texts were stored: the signatures were accepted
