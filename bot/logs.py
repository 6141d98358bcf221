"""Logging setup: text or JSON lines. Never log message texts, tokens or personal data."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Client libraries log request URLs, which carry bot tokens; keep them quiet.
    for noisy in (
        "alembic",
        "httpx",
        "httpcore",
        "aiohttp.access",
        "telegram",
        "aiogram",
        "slack_bolt",
        "stripe",
        "openai",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
