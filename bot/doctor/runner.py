"""Load the settings, run every check family concurrently, and keep secrets out of the results."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy.engine import make_url

from bot.config import Settings, setting_errors
from bot.doctor import database, llm, payments, redis_ping, security, slack, sms, smtp, telegram, unreadable
from bot.doctor.report import CheckResult, failed, ok, reason, skipped

SETTINGS = "settings"
Family = Callable[[Settings, float], Awaitable[list[CheckResult]]]
# (check names, family) in the order the report lists them.
FAMILIES: tuple[tuple[tuple[str, ...], Family], ...] = (
    ((database.NAME,), database.check),
    (unreadable.NAMES, unreadable.check),
    (telegram.NAMES, telegram.check),
    (slack.NAMES, slack.check),
    (payments.NAMES, payments.check),
    (llm.NAMES, llm.check),
    (smtp.NAMES, smtp.check),
    (sms.NAMES, sms.check),
    (redis_ping.NAMES, redis_ping.check),
    (security.NAMES, security.check),
)


def load_settings_checked() -> tuple[Settings | None, list[CheckResult]]:
    """The settings and one result line, or one failed line per bad variable."""
    try:
        settings = Settings()
    except ValidationError as exc:
        return None, [failed(SETTINGS, line) for line in setting_errors(exc)]
    source = "the environment and ./.env" if Path(".env").is_file() else "the environment (no ./.env)"
    notes = "".join(f"; {line}" for line in settings.deprecated_names)
    return settings, [ok(SETTINGS, f"loaded from {source}{notes}")]


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value the settings hold, including passwords inside URLs."""
    values = [
        settings.telegram_bot_token,
        settings.telegram_webhook_secret,
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.stripe_api_key,
        settings.stripe_webhook_secret,
        settings.openai_api_key,
        settings.smtp_password,
        settings.twilio_auth_token,
        make_url(settings.database_url).password,
    ]
    if settings.redis_url:
        values.append(urlsplit(settings.redis_url).password)
    return [str(value) for value in values if value and len(str(value)) >= 4]


def scrub(result: CheckResult, secrets: list[str]) -> CheckResult:
    """Library messages may quote a URL or request carrying a secret: never print one."""
    detail = result.detail
    for secret in secrets:
        detail = detail.replace(secret, "***")
    return result if detail == result.detail else replace(result, detail=detail)


async def _guarded(
    names: tuple[str, ...], family: Family, settings: Settings, time_limit: float
) -> list[CheckResult]:
    try:
        return await family(settings, time_limit)
    except Exception as exc:  # one family's surprise must not hide the other checks
        return [failed(name, f"{type(exc).__name__}: {reason(exc)}") for name in names]


async def run_checks(time_limit: float) -> list[CheckResult]:
    settings, results = load_settings_checked()
    if settings is None:
        return results + [
            skipped(name, "not checked: fix the settings first") for names, _ in FAMILIES for name in names
        ]
    found = await asyncio.gather(
        *(_guarded(names, family, settings, time_limit) for names, family in FAMILIES)
    )
    secrets = secrets_of(settings)
    return [scrub(result, secrets) for result in results + [line for lines in found for line in lines]]
