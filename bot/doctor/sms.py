"""SMS: one cheap authenticated Twilio call (fetch the account) with the configured credentials."""

from __future__ import annotations

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client as TwilioClient

from bot.config import Settings
from bot.doctor.report import CheckResult, failed, ok, public_url, reason, secret_hint, skipped, timed
from bot.sms.channel import WEBHOOK_PATH
from integrations.sms.twilio_transport import TWILIO_API_ROOT, RootedHttpClient

NAME = "sms"
NAMES = (NAME,)


async def _account(settings: Settings, time_limit: float) -> CheckResult:
    sid, token = settings.twilio_account_sid or "", settings.twilio_auth_token or ""
    where = public_url(settings.twilio_api_url or TWILIO_API_ROOT)
    client = TwilioClient(
        sid, token, http_client=RootedHttpClient(settings.twilio_api_url, timeout=time_limit)
    )
    try:
        account = await client.api.v2010.accounts(sid).fetch_async()
    except TwilioRestException as exc:
        if exc.status in (401, 403, 404):
            return failed(
                NAME,
                f"Twilio rejected TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN ({exc.status}): copy both from the "
                "Console's Account Info",
            )
        return failed(NAME, f"{where} answered {exc.status}: {reason(exc)}")
    except OSError as exc:
        return failed(NAME, f"cannot reach {where}: {reason(exc)}")
    status = account.status or "unknown"
    if status != "active":
        return failed(NAME, f"account {secret_hint(sid)} is {status} at {where}: SMS will not go out")
    return ok(
        NAME,
        f"account {secret_hint(sid)} active at {where}, sending from {settings.twilio_from}; "
        f"point the number's webhook at <COACH_PUBLIC_URL>{WEBHOOK_PATH}",
    )


async def check(settings: Settings, time_limit: float) -> list[CheckResult]:
    if not settings.sms_enabled:
        return [skipped(NAME, "not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and COACH_TWILIO_FROM)")]
    target = public_url(settings.twilio_api_url or TWILIO_API_ROOT)
    return [await timed(NAME, time_limit, lambda: _account(settings, time_limit), target=target)]
