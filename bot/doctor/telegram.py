"""Telegram: ``getMe`` against the configured Bot API root and, in webhook mode, ``getWebhookInfo``.

Both drivers speak the same Bot API at ``{root}/bot{token}/{method}``; the check uses the
python-telegram-bot client built by :func:`bot.telegram.ptb_driver.build_application` (aiogram's
types take seconds to import, too long for a command run to diagnose a deployment).
"""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Bot, WebhookInfo
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import Settings
from bot.doctor.report import CheckResult, Status, failed, ok, public_url, reason, skipped, timed
from bot.telegram.ptb_driver import build_application

NAME = "telegram"
WEBHOOK = "telegram webhook"
NAMES = (NAME, WEBHOOK)


async def _get_me(bot: Bot, api_root: str) -> CheckResult:
    where = public_url(api_root)
    try:
        await bot.initialize()  # opens the HTTP clients and calls getMe
    except InvalidToken as exc:
        # python-telegram-bot raises InvalidToken for 401 (a wrong token) and 404 (a malformed one).
        if "unauthorized" in reason(exc.__cause__ or exc).lower():
            return failed(
                NAME, "Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): copy it from @BotFather"
            )
        return failed(
            NAME,
            f"{where} answered 404: check TELEGRAM_BOT_TOKEN and that COACH_TELEGRAM_API_URL is the API root",
        )
    except NetworkError as exc:
        return failed(NAME, f"cannot reach {where}: {reason(exc)}")
    except TelegramError as exc:
        return failed(NAME, f"{where} refused getMe: {reason(exc)}")
    return ok(NAME, f"@{bot.bot.username} (id {bot.bot.id}) via {where}")


def _ago(when: datetime, now: datetime) -> str:
    minutes = max(0, int((now - when).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min ago"
    return f"{minutes // 60} h ago" if minutes < 48 * 60 else f"{minutes // (24 * 60)} days ago"


def webhook_verdict(info: WebhookInfo, configured_url: str, *, now: datetime | None = None) -> CheckResult:
    """Whether Telegram delivers to our URL, and whether its deliveries are failing right now."""
    if not info.url:
        return failed(
            WEBHOOK, "no webhook registered at Telegram: `coach run` registers COACH_TELEGRAM_WEBHOOK_URL"
        )
    if info.url != configured_url:
        return failed(
            WEBHOOK,
            f"Telegram delivers to {public_url(info.url)}, not COACH_TELEGRAM_WEBHOOK_URL "
            f"{public_url(configured_url)}: restart `coach run` here, and make sure no other deployment "
            "uses this bot token",
        )
    pending = info.pending_update_count
    detail = f"{public_url(info.url)} registered, {pending} pending update{'' if pending == 1 else 's'}"
    if not info.last_error_message:
        return ok(WEBHOOK, detail)
    age = f" {_ago(info.last_error_date, now or datetime.now(UTC))}" if info.last_error_date else ""
    detail += f"; last error{age}: {info.last_error_message}"
    if pending:
        # Updates pile up while deliveries fail: Telegram cannot reach this service now.
        return failed(WEBHOOK, f"{detail}; check that the URL reaches this service")
    return ok(WEBHOOK, detail)


async def _webhook(bot: Bot, configured_url: str, api_root: str) -> CheckResult:
    try:
        info = await bot.get_webhook_info()
    except NetworkError as exc:
        return failed(WEBHOOK, f"cannot reach {public_url(api_root)}: {reason(exc)}")
    except TelegramError as exc:
        return failed(WEBHOOK, f"getWebhookInfo refused: {reason(exc)}")
    return webhook_verdict(info, configured_url)


async def check(settings: Settings, time_limit: float) -> list[CheckResult]:
    token = settings.telegram_bot_token
    if not token:
        return [skipped(name, "not configured (TELEGRAM_BOT_TOKEN not set)") for name in NAMES]
    api_root = settings.telegram_api_url
    webhook_url = settings.telegram_webhook_url
    where = public_url(api_root)
    bot = build_application(token, api_root).bot
    try:
        me = await timed(NAME, time_limit, lambda: _get_me(bot, api_root), target=where)
        if not webhook_url:
            return [me, skipped(WEBHOOK, "long polling (COACH_TELEGRAM_WEBHOOK_URL not set)")]
        if me.status is not Status.OK:
            return [me, failed(WEBHOOK, "not checked: getMe failed")]
        return [
            me,
            await timed(WEBHOOK, time_limit, lambda: _webhook(bot, webhook_url, api_root), target=where),
        ]
    finally:
        await bot.shutdown()
