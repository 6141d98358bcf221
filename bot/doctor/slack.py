"""Slack: ``auth.test`` with the bot token at the configured Web API base, and how Slack's requests
are verified (a signing secret for HTTP events, or an app token for Socket Mode)."""

from __future__ import annotations

import math

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.doctor.report import CheckResult, failed, ok, public_url, reason, secret_hint, skipped, timed
from bot.slack.app import api_base_url

NAME = "slack"
SECRET = "slack signing secret"
NAMES = (NAME, SECRET)


async def _auth_test(token: str, base_url: str, time_limit: float) -> CheckResult:
    client = AsyncWebClient(token=token, base_url=base_url, timeout=math.ceil(time_limit))
    where = public_url(base_url)
    try:
        answer = await client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown error")
        return failed(
            NAME, f"Slack rejected SLACK_BOT_TOKEN ({error}): reinstall the app, copy its bot token"
        )
    except (aiohttp.ClientError, OSError) as exc:
        return failed(NAME, f"cannot reach {where}: {reason(exc)}")
    team = answer.get("team") or answer.get("team_id")
    return ok(NAME, f"team {team}, bot @{answer.get('user')} ({answer.get('user_id')}) via {where}")


def _verification(settings: Settings) -> CheckResult:
    if settings.slack_app_token:
        if not settings.slack_app_token.startswith("xapp-"):
            return failed(
                SECRET, "SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write"
            )
        return ok(SECRET, f"not needed: Socket Mode, SLACK_APP_TOKEN {secret_hint(settings.slack_app_token)}")
    if settings.slack_signing_secret:
        return ok(SECRET, f"{secret_hint(settings.slack_signing_secret)}; verifies POST /slack/events")
    return failed(
        SECRET,
        "not set: copy SLACK_SIGNING_SECRET from Basic Information → App Credentials "
        "(or set SLACK_APP_TOKEN for Socket Mode); Slack does not start without one",
    )


async def check(settings: Settings, time_limit: float) -> list[CheckResult]:
    token = settings.slack_bot_token
    if not (token or settings.slack_signing_secret or settings.slack_app_token):
        return [skipped(name, "not configured (SLACK_BOT_TOKEN not set)") for name in NAMES]
    if not token:
        auth = failed(NAME, "SLACK_BOT_TOKEN is not set: the Slack app does not start without it")
    elif not token.startswith("xoxb-"):
        auth = failed(NAME, "SLACK_BOT_TOKEN must be the Bot User OAuth Token (xoxb-…)")
    else:
        base_url = api_base_url(settings.slack_api_url)
        auth = await timed(
            NAME, time_limit, lambda: _auth_test(token, base_url, time_limit), target=public_url(base_url)
        )
    return [auth, _verification(settings)]
