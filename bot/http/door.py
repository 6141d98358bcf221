"""The one hardened door in front of every inbound endpoint (Slack, Telegram, Stripe).

Order, for every request: size cap, then the platform's signature or secret (on the raw bytes, before
anything parses them), then parsing with limits — strict UTF-8, JSON depth, number range, string
length and count of values. Any failure is a :class:`Refused` with a 4xx status and a short reason;
the endpoint answers it with :func:`refusal`, which logs one line without the body. Nothing that comes
through here raises, so no malformed request ever costs a 5xx.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from domain import telemetry
from domain.db import Database
from domain.services.audit import record_rejected_request
from domain.text import clean_text

log = logging.getLogger(__name__)

# Slack: X-Slack-Signature = "v0=" + HMAC-SHA256(secret, "v0:{timestamp}:{body}"), timestamps older than
# 5 minutes rejected (https://api.slack.com/authentication/verifying-requests-from-slack, 2026-11).
SLACK_TOLERANCE_S = 300
# Stripe: Stripe-Signature "t=…,v1=…", default tolerance 300 s (platform-limits.md). We also refuse
# timestamps that far in the future: a signature minted ahead of time must not be replayable later.
STRIPE_TOLERANCE_S = 300
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True, slots=True)
class Limits:
    """What one endpoint accepts. Platforms' real payloads stay far inside these."""

    max_bytes: int
    max_depth: int = 32  # nesting of JSON objects and arrays
    max_string: int = 64 * 1024  # characters in one JSON string or form value
    max_values: int = 20_000  # JSON values (or form fields) in one body
    # |integer|: JavaScript's safe range. Telegram ids have at most 52 significant bits; amounts in
    # minor units and Unix times fit easily.
    max_int: int = 2**53 - 1


# Slack events and interactivity payloads are small; files arrive as links, not bodies.
SLACK_LIMITS = Limits(max_bytes=1024 * 1024)
# A Telegram update carries at most a 4096-character text plus entities and a reply.
TELEGRAM_LIMITS = Limits(max_bytes=1024 * 1024)
# Stripe events carry one object (with its expanded lines); 1 MiB is generous.
STRIPE_LIMITS = Limits(max_bytes=1024 * 1024)
# A Twilio SMS webhook is a form of a few dozen short fields (Body: at most 1600 characters).
TWILIO_LIMITS = Limits(max_bytes=64 * 1024, max_string=4096, max_values=200)
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"


class Refused(Exception):
    """A request the door turns away: ``status`` (4xx) and a short ``reason`` safe to show and log."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --- reading -------------------------------------------------------------------------------------


async def read_body(request: web.Request, limits: Limits) -> bytes:
    """The raw body, at most ``limits.max_bytes`` (413 beyond; 400 when the client breaks off)."""
    if request.content_length is not None and request.content_length > limits.max_bytes:
        raise Refused(413, "body too large")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise Refused(413, "body too large") from None
    except Exception:  # a truncated or malformed transfer encoding
        raise Refused(400, "unreadable body") from None
    if len(body) > limits.max_bytes:
        raise Refused(413, "body too large")
    return body


def decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None


# --- signatures and secrets ----------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    return value if isinstance(value, str) else ""


def check_slack_signature(
    body: bytes, headers: Mapping[str, str], secret: str, *, now: float | None = None
) -> None:
    """Slack's v0 signature over the raw bytes, its timestamp within 5 minutes either way."""
    if not secret:
        raise Refused(401, "no signing secret configured")
    stamp = _header(headers, "X-Slack-Request-Timestamp")
    signature = _header(headers, "X-Slack-Signature")
    if not stamp or not signature:
        raise Refused(401, "missing signature")
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise Refused(401, "bad timestamp")
    if abs((time.time() if now is None else now) - int(stamp)) > SLACK_TOLERANCE_S:
        raise Refused(401, "stale timestamp")
    base = b"v0:" + stamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Refused(401, "bad signature")


def check_telegram_secret(headers: Mapping[str, str], secret: str) -> None:
    if not secret:
        raise Refused(401, "no secret token configured")
    given = _header(headers, TELEGRAM_SECRET_HEADER)
    if not given or not hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode()):
        raise Refused(401, "bad secret token")


def check_twilio_signature(
    urls: Sequence[str], form: Mapping[str, str], headers: Mapping[str, str], auth_token: str
) -> None:
    """``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL Twilio called plus the sorted form fields,
    keyed by the auth token (``twilio.request_validator.RequestValidator``). ``urls`` are the ways this
    endpoint may have been addressed (its public URL, the URL as received); one must match."""
    from twilio.request_validator import RequestValidator

    if not auth_token:
        raise Refused(403, "no auth token configured")
    signature = _header(headers, TWILIO_SIGNATURE_HEADER)
    if not signature:
        raise Refused(403, "missing signature")
    validator = RequestValidator(auth_token)
    if not any(validator.validate(url, dict(form), signature) for url in urls):
        raise Refused(403, "bad signature")


def check_stripe_signature(
    body: bytes,
    header: str | None,
    secret: str,
    *,
    tolerance: int = STRIPE_TOLERANCE_S,
    now: float | None = None,
) -> None:
    """``Stripe-Signature``: one ``t`` within ±``tolerance`` seconds and a ``v1`` HMAC that matches."""
    if not secret:
        raise Refused(400, "no webhook secret configured")
    stamp: str | None = None
    signatures: list[str] = []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            stamp = value
        elif key == "v1":
            signatures.append(value)
    if not stamp or not signatures:
        raise Refused(400, "missing signature")
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise Refused(400, "bad signature timestamp")
    if abs((time.time() if now is None else now) - int(stamp)) > tolerance:
        raise Refused(400, "stale signature")
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected.encode(), s.encode("utf-8", "replace")) for s in signatures):
        raise Refused(400, "bad signature")


# --- parsing with limits -------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise Refused(400, "number out of range")  # NaN, Infinity, -Infinity


def parse_json(text: str, limits: Limits) -> Any:
    """JSON within ``limits``: no NaN/Infinity, no float that overflows, no huge integer, no deep
    nesting, no over-long string and no lone surrogate (``\\ud800``)."""

    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > len(str(limits.max_int)):
            raise Refused(400, "number out of range")
        value = int(digits)
        if abs(value) > limits.max_int:
            raise Refused(400, "number out of range")
        return value

    def parse_float(digits: str) -> float:
        value = float(digits)
        if not math.isfinite(value) or abs(value) > limits.max_int:
            raise Refused(400, "number out of range")
        return value

    try:
        data = json.loads(text, parse_int=parse_int, parse_float=parse_float, parse_constant=_reject_constant)
    except RecursionError:
        raise Refused(400, "nested too deeply") from None
    except ValueError:
        raise Refused(400, "malformed JSON") from None
    check_shape(data, limits)
    return data


def check_shape(data: Any, limits: Limits) -> None:
    """Depth, value count and string limits of parsed data, walked without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    values = 0
    while stack:
        value, depth = stack.pop()
        values += 1
        if values > limits.max_values:
            raise Refused(400, "too many values")
        if isinstance(value, dict):
            if depth > limits.max_depth:
                raise Refused(400, "nested too deeply")
            for key, item in value.items():
                _check_string(key, limits)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > limits.max_depth:
                raise Refused(400, "nested too deeply")
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_string(value, limits)


def _check_string(value: str, limits: Limits) -> None:
    if len(value) > limits.max_string:
        raise Refused(400, "string too long")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(400, "invalid text encoding") from None


def parse_form(text: str, limits: Limits) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` within ``limits``; a repeated field keeps its last value."""
    try:
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=limits.max_values
        )
    except ValueError:
        raise Refused(400, "malformed form body") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        _check_string(key, limits)
        _check_string(value, limits)
        form[key] = value
    return form


def parse_slack_body(text: str, content_type: str, limits: Limits = SLACK_LIMITS) -> dict[str, Any]:
    """What Bolt will read, checked first: a JSON object (events) or a form whose ``payload`` field, when
    present, is a JSON object (interactivity); slash commands are plain forms."""
    if content_type == "application/json":
        data = parse_json(text, limits)
        if not isinstance(data, dict):
            raise Refused(400, "not a JSON object")
        return data
    if content_type == "application/x-www-form-urlencoded":
        form: dict[str, Any] = parse_form(text, limits)
        if "payload" in form:
            payload = parse_json(str(form["payload"]), limits)
            if not isinstance(payload, dict):
                raise Refused(400, "payload is not a JSON object")
            form["payload"] = payload
        return form
    raise Refused(415, "unsupported content type")


async def parse_json_body(
    request: web.Request,
    limits: Limits,
    *,
    check: Callable[[bytes], None] | None = None,
    clean: bool = False,
) -> Any:
    """The door for a JSON endpoint: size cap, then ``check`` (the signature or secret) on the raw
    bytes, then strict UTF-8 and JSON within ``limits``; with ``clean``, every string loses NUL and
    control characters (:func:`domain.text.clean_text`) before anyone stores it. Raises
    :class:`Refused`."""
    body = await read_body(request, limits)
    if check is not None:
        check(body)
    data = parse_json(decode(body), limits)
    return clean_strings(data) if clean else data


def clean_strings(data: Any) -> Any:
    """Parsed JSON (already within the depth limit) with every key and string cleaned."""
    if isinstance(data, str):
        return clean_text(data)
    if isinstance(data, list):
        return [clean_strings(item) for item in data]
    if isinstance(data, dict):
        return {clean_text(key): clean_strings(value) for key, value in data.items()}
    return data


# --- answering -----------------------------------------------------------------------------------


async def refuse(db: Database, source: str, refused: Refused) -> web.Response:
    """The 4xx answer to a refused request: logged once without its body or headers, and counted in
    the audit log (one row per ``source`` and minute, however many requests)."""
    log.warning("%s request refused (%d): %s", source, refused.status, refused.reason)
    telemetry.WEBHOOK_REJECTIONS.labels(source, str(refused.status)).inc()
    try:
        async with db.unit_of_work() as session:
            await record_rejected_request(session, source=source, reason=refused.reason)
    except Exception:  # the answer matters more than the count
        log.warning("a refused %s request could not be counted", source)
    return web.Response(status=refused.status, text=refused.reason)
