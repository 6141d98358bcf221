"""The request door: signatures first, then parsing with limits; every failure a short 4xx."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from bot.http.door import (
    STRIPE_TOLERANCE_S,
    Limits,
    Refused,
    check_slack_signature,
    check_stripe_signature,
    check_telegram_secret,
    parse_form,
    parse_json,
    parse_slack_body,
)

LIMITS = Limits(max_bytes=1024, max_depth=4, max_string=10, max_values=20, max_int=1000)


def refused(call: object, *args: object, **kwargs: object) -> tuple[int, str]:
    assert callable(call)
    with pytest.raises(Refused) as caught:
        call(*args, **kwargs)
    return caught.value.status, caught.value.reason


def test_json_within_limits_passes_and_every_excess_is_a_400() -> None:
    assert parse_json('{"a": [1, 2.5, "ok", null, true]}', LIMITS) == {"a": [1, 2.5, "ok", None, True]}
    assert refused(parse_json, "{", LIMITS) == (400, "malformed JSON")
    assert refused(parse_json, "[[[[[1]]]]]", LIMITS) == (400, "nested too deeply")
    assert refused(parse_json, "[" * 100_000 + "]" * 100_000, LIMITS)[0] == 400
    assert refused(parse_json, "1001", LIMITS) == (400, "number out of range")
    assert refused(parse_json, "1" * 5000, LIMITS) == (400, "number out of range")
    assert refused(parse_json, "1e999", LIMITS) == (400, "number out of range")
    assert refused(parse_json, "NaN", LIMITS) == (400, "number out of range")
    assert refused(parse_json, '"12345678901"', LIMITS) == (400, "string too long")
    assert refused(parse_json, '"\\ud800"', LIMITS) == (400, "invalid text encoding")
    assert refused(parse_json, "[" + ",".join(["1"] * 30) + "]", LIMITS) == (400, "too many values")


def test_slack_bodies_must_be_objects_or_forms_with_an_object_payload() -> None:
    assert parse_slack_body('{"type": "x"}', "application/json") == {"type": "x"}
    assert parse_slack_body("command=%2Fcoach&text=", "application/x-www-form-urlencoded")["text"] == ""
    assert refused(parse_slack_body, "[1]", "application/json") == (400, "not a JSON object")
    assert refused(parse_slack_body, "payload=1", "application/x-www-form-urlencoded")[0] == 400
    assert refused(parse_slack_body, "x", "text/plain") == (415, "unsupported content type")
    assert refused(parse_form, "a=1&" * 30, LIMITS) == (400, "malformed form body")


def test_slack_signature_is_checked_on_the_raw_bytes_within_five_minutes() -> None:
    now = time.time()
    stamp = str(int(now))
    body = b'{"type": "event_callback"}'
    good = "v0=" + hmac.new(b"secret", b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": good}
    check_slack_signature(body, headers, "secret", now=now)
    assert refused(check_slack_signature, body + b" ", headers, "secret", now=now) == (401, "bad signature")
    assert refused(check_slack_signature, body, headers, "secret", now=now + 301) == (401, "stale timestamp")
    assert refused(check_slack_signature, body, headers, "secret", now=now - 301) == (401, "stale timestamp")
    odd = {**headers, "X-Slack-Request-Timestamp": "1e9"}
    assert refused(check_slack_signature, body, odd, "secret") == (401, "bad timestamp")
    assert refused(check_slack_signature, body, {}, "secret") == (401, "missing signature")
    assert refused(check_slack_signature, body, headers, "", now=now)[0] == 401


def test_stripe_signatures_outside_the_window_either_way_are_refused() -> None:
    body = b'{"id": "evt_1"}'

    def header(at: int, secret: str = "whsec") -> str:
        mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={at},v1={mac}"

    now = int(time.time())
    check_stripe_signature(body, header(now), "whsec", now=now)
    check_stripe_signature(body, header(now - STRIPE_TOLERANCE_S), "whsec", now=now)
    assert refused(check_stripe_signature, body, header(now + 600), "whsec", now=now) == (
        400,
        "stale signature",
    )
    assert refused(check_stripe_signature, body, header(now - 301), "whsec", now=now) == (
        400,
        "stale signature",
    )
    assert refused(check_stripe_signature, body, header(now, "other"), "whsec", now=now) == (
        400,
        "bad signature",
    )
    assert refused(check_stripe_signature, body, "t=x,v1=1", "whsec") == (400, "bad signature timestamp")
    assert refused(check_stripe_signature, body, None, "whsec") == (400, "missing signature")


def test_telegram_secret_token() -> None:
    check_telegram_secret({"X-Telegram-Bot-Api-Secret-Token": "s3cret"}, "s3cret")
    assert refused(check_telegram_secret, {"X-Telegram-Bot-Api-Secret-Token": "nope"}, "s3cret")[0] == 401
    assert refused(check_telegram_secret, {}, "s3cret")[0] == 401
