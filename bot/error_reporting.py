"""Optional error reporting to a Sentry-compatible server (``SENTRY_DSN``), without personal data.

Errors logged with their exception (``log.exception``) and exceptions nothing caught become events.
What leaves the process is what the logs keep (bot/logs.py): the log call's template without its
arguments, exception types and stack frames without local variables, and exception messages only for
network errors (masked); no request bodies, headers or cookies, no breadcrumbs, no user.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.logging import LoggingIntegration

from bot.logs import WITHHELD, mask

# The client's own rate of background sending; a crash loop must not flood the server.
SHUTDOWN_TIMEOUT_S = 2


def scrub_event(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """``before_send``: keep where and what kind of error, drop what anyone wrote."""
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        # The template ("delivering outbox row %s failed") stays; its arguments and the result go.
        event["logentry"] = {"message": logentry.get("message", "")}
    event.pop("message", None)
    exc_info = hint.get("exc_info")
    network = exc_info is not None and isinstance(exc_info[1], OSError)
    for value in (event.get("exception") or {}).get("values") or []:
        if network and isinstance(value.get("value"), str):
            value["value"] = mask(value["value"])
        else:
            value["value"] = WITHHELD
        for frame in (value.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {k: request[k] for k in ("method",) if k in request}
        url = request.get("url")
        if isinstance(url, str):
            event["request"]["url"] = url.split("?", 1)[0]
    for key in ("breadcrumbs", "extra", "user"):
        event.pop(key, None)
    return event


def init_error_reporting(dsn: str | None, *, environment: str | None = None) -> bool:
    """Start reporting to ``dsn``; nothing happens without one. Returns whether reporting is on."""
    if not dsn:
        return False
    with warnings.catch_warnings():
        # Newer SDKs deprecate send_default_pii for data_collection, whose default is the same "off";
        # the flag is kept so every SDK this project allows (sentry-sdk 2.x) sends no personal data.
        warnings.simplefilter("ignore", DeprecationWarning)
        _init(dsn, environment)
    return True


def _init(dsn: str, environment: str | None) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        include_local_variables=False,
        max_breadcrumbs=0,
        before_send=scrub_event,  # type: ignore[arg-type]  # the SDK's Event type is a TypedDict
        traces_sample_rate=0.0,
        shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        integrations=[LoggingIntegration(level=None, event_level=logging.ERROR)],
    )


def stop_error_reporting() -> None:
    """Send what is pending and stop (the process is ending, or a test is done)."""
    client = sentry_sdk.get_client()
    if client.is_active():
        client.close(timeout=SHUTDOWN_TIMEOUT_S)
