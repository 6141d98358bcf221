"""Security settings: encryption at rest, and the Telegram webhook's secret token.

(The Slack signing secret and the Stripe webhook secret are checked with their services.)
"""

from __future__ import annotations

from bot.config import Settings
from bot.doctor.report import CheckResult, failed, ok, skipped
from domain.crypto import check_keys

ENCRYPTION = "encryption at rest"
TELEGRAM_SECRET = "telegram webhook secret"
NAMES = (ENCRYPTION, TELEGRAM_SECRET)
SECRET_MIN_CHARS = 16


def _encryption(settings: Settings) -> CheckResult:
    keys = settings.encryption_keys
    if not keys:
        return failed(
            ENCRYPTION,
            "COACH_ENCRYPTION_KEYS is not set: check-in notes, messages, goals, answers and files are stored "
            "unencrypted; `coach keys generate` makes a key, `coach keys rotate` encrypts what is stored",
        )
    problem = check_keys(keys)
    if problem:
        return failed(ENCRYPTION, f"COACH_ENCRYPTION_KEYS: {problem}")
    older = f", {len(keys) - 1} older for reading" if len(keys) > 1 else ""
    return ok(ENCRYPTION, f"client writing encrypted (Fernet), 1 current key{older}")


def _telegram_secret(settings: Settings) -> CheckResult:
    if not settings.telegram_bot_token or not settings.telegram_webhook_url:
        return skipped(TELEGRAM_SECRET, "not needed (no Telegram webhook)")
    secret = settings.telegram_webhook_secret
    if not secret:
        return failed(
            TELEGRAM_SECRET,
            "COACH_TELEGRAM_WEBHOOK_SECRET is not set: a generated one changes on every start and differs "
            "between workers, so Telegram's calls are refused; set 16+ random characters (A-Z, a-z, 0-9, _ -)",
        )
    if len(secret) < SECRET_MIN_CHARS:
        return failed(
            TELEGRAM_SECRET, f"COACH_TELEGRAM_WEBHOOK_SECRET is shorter than {SECRET_MIN_CHARS} characters"
        )
    return ok(TELEGRAM_SECRET, "set; checked on every POST /telegram/webhook")


async def check(settings: Settings, time_limit: float) -> list[CheckResult]:
    return [_encryption(settings), _telegram_secret(settings)]
