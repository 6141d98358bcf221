"""Logging setup: text or JSON lines. Never log message texts, tokens or personal data.

Our own modules log ids and counts only. Libraries do not keep to that: at DEBUG ``slack_sdk`` logs
whole request bodies, ``slack_bolt`` logs the body of a request that fails its signature check at INFO
and of an unhandled one at WARNING, ``aiosqlite`` and SQLAlchemy log statement parameters, and any
exception message may quote what a client wrote. So every record passes :class:`PrivacyFilter` on the
way out, at every level:

- a library's record below WARNING is dropped (its DEBUG/INFO lines are request/response dumps);
- a library's WARNING or worse keeps only its first words, cut before any body, payload or quoted data,
  with emails, phone numbers and long digit runs masked;
- an exception keeps its traceback frames (file, line, code) and the exception types, never their
  messages (those of network errors excepted, masked), for libraries and our own code alike.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import IO

from domain import telemetry

# Loggers whose records are ours: everything else is a library.
OWN_LOGGERS = ("bot", "conversations", "domain", "integrations", "bench", "__main__", "root")
# Libraries known to log bodies (named in the docs; the filter treats every library the same way).
BODY_LOGGING_LIBRARIES = (
    "slack_sdk",
    "slack_bolt",
    "aiogram",
    "telegram",
    "httpx",
    "httpcore",
    "stripe",
    "openai",
    "aiohttp",
    "aiosqlite",
    "sqlalchemy",
    "asyncpg",
)
LIBRARY_MESSAGE_MAX = 120  # characters of a library's warning kept
# A library message is cut at the first sign of data: a body, a quote, a mapping or a list.
_DATA_START = re.compile(r"[{\[(<'\"\n]|\bbody\b|\bpayload\b|\bparams\b|\bdata\b|\btext\b", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_OR_NUMBER = re.compile(r"\+?\d[\d\s().-]{6,}\d")
WITHHELD = "[withheld]"


def is_own(logger_name: str) -> bool:
    return any(logger_name == own or logger_name.startswith(own + ".") for own in OWN_LOGGERS)


def mask(text: str) -> str:
    """Emails, phone numbers and long digit runs (ids, card-like numbers) masked."""
    return _PHONE_OR_NUMBER.sub("[number]", _EMAIL.sub("[email]", text))


def library_message(message: str) -> str:
    """The harmless start of a library's message: cut before any data, masked, clipped."""
    found = _DATA_START.search(message)
    head = message[: found.start()] if found else message
    cut = found is not None or len(head) > LIBRARY_MESSAGE_MAX
    head = mask(head[:LIBRARY_MESSAGE_MAX]).strip().rstrip(" :,-")
    return f"{head} {WITHHELD}" if cut else head


def redacted_traceback(exc_info: tuple[type[BaseException], BaseException, TracebackType | None]) -> str:
    """Frames and exception types of the whole chain, without any exception message."""
    lines: list[str] = []
    seen: set[int] = set()
    chain: list[BaseException] = []
    exc: BaseException | None = exc_info[1]
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    for depth, current in enumerate(reversed(chain)):
        if depth:
            lines.append("\nThe above exception led to the following one:\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        kind = type(current)
        # Network errors say which host failed, never what a person wrote: their message is kept.
        said = mask(str(current)) if isinstance(current, OSError) else WITHHELD
        lines.append(f"{kind.__module__}.{kind.__qualname__}: {said}\n")
    return "".join(lines).rstrip("\n")


class PrivacyFilter(logging.Filter):
    """Put on a handler: it sees every record that handler writes, whichever logger made it."""

    def filter(self, record: logging.LogRecord) -> bool:
        own = is_own(record.name)
        if not own:
            if record.levelno < logging.WARNING:
                return False
            try:
                message = record.getMessage()
            except Exception:  # a library's own malformed format string
                message = str(record.msg)
            record.msg, record.args = library_message(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redacted_traceback(record.exc_info)
        if record.stack_info:
            record.stack_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exc"] = record.exc_text
        elif record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry)


class ErrorCounter(logging.Handler):
    """Counts errors logged with their exception (``log.exception``) per logger, for ``/metrics``."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            telemetry.UNHANDLED_ERRORS.labels(record.name).inc()


def configure_logging(level: str = "INFO", fmt: str = "text", stream: IO[str] | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PrivacyFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler, ErrorCounter()]
    root.setLevel(level)
    # Client libraries log request URLs (which carry bot tokens) and bodies; the filter drops what
    # passes, and raising their level spares the work of formatting it.
    for noisy in ("alembic", "httpcore", "aiohttp.access", *BODY_LOGGING_LIBRARIES):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
