"""``SENTRY_DSN``: errors reach a local Sentry-compatible capture server, without personal data."""

from __future__ import annotations

import gzip
import json
import logging
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.config import ConfigError, load_settings
from bot.error_reporting import init_error_reporting, stop_error_reporting

SECRET_NOTE = "I feel awful, call me on +44 7700 900123, ann@example.com"


class Capture(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CaptureHandler)
        self.envelopes: list[tuple[str, bytes]] = []
        self.arrived = threading.Event()


class CaptureHandler(BaseHTTPRequestHandler):
    server: Capture

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli  # type: ignore[import-not-found]  # only when the SDK found it installed

            body = brotli.decompress(body)
        self.server.envelopes.append((self.path, body))
        self.server.arrived.set()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:  # the test's output stays quiet
        return


@pytest.fixture
def capture() -> Iterator[Capture]:
    server = Capture()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop_error_reporting()
        server.shutdown()
        server.server_close()


def events(capture: Capture) -> list[dict[str, Any]]:
    found = []
    for path, body in capture.envelopes:
        assert path == "/api/1/envelope/"
        lines = body.split(b"\n")
        # Envelope: a header line, then item header and payload pairs.
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def test_an_error_is_reported_without_personal_data(capture: Capture) -> None:
    port = capture.server_address[1]
    assert init_error_reporting(f"http://public@127.0.0.1:{port}/1")
    log = logging.getLogger("bot.reporting_test")
    try:
        raise ValueError(f"could not parse {SECRET_NOTE!r}")
    except ValueError:
        log.exception("check-in from client %s failed: %s", 42, SECRET_NOTE)
    stop_error_reporting()  # flushes
    assert capture.arrived.wait(10)
    [event] = events(capture)
    text = json.dumps(event)
    for secret in ("awful", "7700", "ann@example.com"):
        assert secret not in text, secret
    assert event["logentry"] == {"message": "check-in from client %s failed: %s"}  # the template only
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ValueError" and exception["value"] == "[withheld]"
    frames = exception["stacktrace"]["frames"]
    assert frames[-1]["function"] == "test_an_error_is_reported_without_personal_data"
    assert all("vars" not in frame for frame in frames)
    assert "breadcrumbs" not in event and "user" not in event and "extra" not in event


def test_no_dsn_no_reporting(capture: Capture) -> None:
    assert not init_error_reporting(None)
    assert not init_error_reporting("")
    assert not capture.envelopes


@pytest.mark.parametrize("dsn", ["not a url", "ftp://k@host/1", "https://host/1", "https://key@host/"])
def test_a_malformed_dsn_is_refused_naming_the_variable(dsn: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(SENTRY_DSN=dsn)
    assert "SENTRY_DSN" in str(raised.value)


def test_a_good_dsn_is_accepted() -> None:
    assert load_settings(SENTRY_DSN=" https://abc@o1.ingest.example.com/42 ").sentry_dsn == (
        "https://abc@o1.ingest.example.com/42"
    )
