"""Delivering queued messages by SMS through Twilio's Messages API
(``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``); the outbound sender schedules it like any
other platform, within the per-number limits below.

A message becomes plain text: its text, then its buttons numbered ("1 Yes", "2 No") so the client can
answer with the number (``bot/sms`` maps it back), then its links. Files are not sent (an SMS cannot
carry them). A number that answered STOP gets nothing until it answers START (``domain.services.sms``).
"""

from __future__ import annotations

import base64
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client as TwilioClient

from bot.outbound.transport import DeliveryError, RateLimits, Transport
from conversations.i18n import supported_locale, use_locale
from conversations.messages import OutgoingMessage
from conversations.texts import Sms as T
from domain.db import Database
from domain.models.enums import Platform
from domain.services.clients import find_client_by_identity
from domain.services.sms import is_opted_out

log = logging.getLogger(__name__)
_DIGIT = re.compile(r"\d")
_HTTP_LOG = logging.getLogger(__name__ + ".http")
_HTTP_LOG.setLevel(logging.WARNING)

# Where the library sends Messages API calls; COACH_TWILIO_API_URL replaces this root (tests, proxies).
TWILIO_API_ROOT = "https://api.twilio.com"
# A long code sends about 1 message per second ("Understanding Twilio Rate Limits and Message Queues":
# long code 1 MPS in the US and Canada); Twilio queues the excess, we keep below it.
SMS_GLOBAL_PER_SECOND = 1.0
# Per recipient number: at least this long between two SMS to one number ...
SMS_PER_NUMBER_INTERVAL_S = 2.0
# ... and at most this many to one number per minute (carriers filter bursts to one handset as spam).
SMS_PER_NUMBER_PER_MINUTE = 6.0
SMS_LIMITS = RateLimits(
    per_chat_interval_s=SMS_PER_NUMBER_INTERVAL_S,
    global_per_second=SMS_GLOBAL_PER_SECOND,
    group_per_minute=SMS_PER_NUMBER_PER_MINUTE,
)
# "The maximum length of the body is 1600 characters" (Twilio Messages API, Body parameter).
SMS_BODY_MAX = 1600
REQUEST_TIMEOUT_S = 20.0
# Twilio error codes (twilio.com/docs/api/errors): an unsubscribed recipient, a number that cannot
# receive SMS at all, and too many requests.
UNSUBSCRIBED_RECIPIENT = 21610
UNREACHABLE_CODES = frozenset({21211, 21214, 21612, 21614})
TOO_MANY_REQUESTS = 20429
RETRY_AFTER_S = 30.0


def render_sms(message: OutgoingMessage) -> str:
    """The message as one SMS body: text, numbered buttons, links; clipped to Twilio's body limit."""
    parts = [message.text.strip()] if message.text.strip() else []
    pressable = message.all_buttons
    if pressable and any(_DIGIT.search(b.label) for b in pressable):
        # Values (a 1-10 scale, "3 days"): typed as they read, so listed as they are.
        parts.append(T.CHOICES.format(choices=", ".join(b.label for b in pressable)))
    elif pressable:
        parts.append("\n".join([T.BUTTONS, *(f"{i} {b.label}" for i, b in enumerate(pressable, 1))]))
    for link in message.url_buttons:
        parts.append(T.LINK.format(label=link.label, url=link.url))
    body = "\n\n".join(parts) or "…"
    return body if len(body) <= SMS_BODY_MAX else body[: SMS_BODY_MAX - 1] + "…"


class RootedHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """The library's own async HTTP client, sending to another root than ``https://api.twilio.com``."""

    def __init__(self, root: str | None, *, timeout: float = REQUEST_TIMEOUT_S) -> None:
        # The library logs every request with its headers at INFO: ours stays quiet below WARNING.
        super().__init__(pool_connections=False, timeout=timeout, logger=_HTTP_LOG)
        self.root = root.rstrip("/") if root else None

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the library's own signature
        allow_redirects: bool = False,
    ) -> Response:
        if self.root is not None:
            parts = urlsplit(url)
            url = self.root + parts.path + (f"?{parts.query}" if parts.query else "")
        headers = dict(headers or {})
        if auth is not None:  # as a header: aiohttp deprecates its auth= parameter
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        return await super().request(method, url, params, data, headers, None, timeout, allow_redirects)


class TwilioSmsTransport(Transport):
    platform = Platform.SMS.value
    limits = SMS_LIMITS

    def __init__(
        self,
        db: Database,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_url: str | None = None,
        limits: RateLimits = SMS_LIMITS,
    ) -> None:
        self.db = db
        self.sender = sender
        self.limits = limits
        self.client = TwilioClient(account_sid, auth_token, http_client=RootedHttpClient(api_url))

    def is_group_chat(self, chat_id: str) -> bool:
        # Every number gets the per-minute cap the sender applies to "group" chats (SMS_PER_NUMBER_PER_MINUTE).
        return True

    async def deliver_payload(self, chat_id: str, payload: dict[str, Any]) -> str | None:
        locale = payload.get("locale")
        return await self._send(
            chat_id, OutgoingMessage.from_dict(payload), locale if isinstance(locale, str) else None
        )

    async def deliver(self, chat_id: str, message: OutgoingMessage) -> str | None:
        return await self._send(chat_id, message, None)

    async def _send(self, chat_id: str, message: OutgoingMessage, locale: str | None) -> str | None:
        async with self.db.sessions() as session:
            if await is_opted_out(session, chat_id):
                raise DeliveryError("the number answered STOP", permanent=True)
            if locale is None:  # the frame ("Reply with a number:") in the client's language
                client = await find_client_by_identity(session, Platform.SMS, chat_id)
                locale = client.locale if client is not None else None
        with use_locale(supported_locale(locale) or "en"):
            body = render_sms(message)
        try:
            sent = await self.client.messages.create_async(to=chat_id, from_=self.sender, body=body)
        except TwilioRestException as exc:
            raise _delivery_error(exc) from exc
        except (OSError, TimeoutError) as exc:
            raise DeliveryError(f"twilio unreachable: {type(exc).__name__}") from exc
        return str(sent.sid) if sent.sid else None


def _delivery_error(exc: TwilioRestException) -> DeliveryError:
    code = exc.code if isinstance(exc.code, int) else None
    if code == UNSUBSCRIBED_RECIPIENT:
        return DeliveryError("twilio: the recipient unsubscribed", permanent=True)
    if code in UNREACHABLE_CODES:
        return DeliveryError(f"twilio {code}: the number cannot receive SMS", unreachable=True)
    if exc.status == 429 or code == TOO_MANY_REQUESTS:
        return DeliveryError("twilio: too many requests", retry_after=RETRY_AFTER_S)
    if exc.status in (401, 403):
        return DeliveryError(
            f"twilio {exc.status}: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN", permanent=True
        )
    return DeliveryError(f"twilio {exc.status} ({code})", permanent=400 <= exc.status < 500)
