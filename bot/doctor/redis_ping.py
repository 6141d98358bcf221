"""Redis (delivery rate limits shared by several workers): PING."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import AuthenticationError, RedisError

from bot.config import Settings
from bot.doctor.report import CheckResult, failed, ok, public_url, reason, skipped, timed

NAME = "redis"
NAMES = (NAME,)


async def _ping(url: str, time_limit: float) -> CheckResult:
    where = public_url(url)
    try:
        # No retries: a check reports the first refusal instead of backing off until its timeout.
        client = aioredis.Redis.from_url(
            url, socket_connect_timeout=time_limit, socket_timeout=time_limit, retry=Retry(NoBackoff(), 0)
        )
    except ValueError:
        return failed(NAME, "COACH_REDIS_URL is not a redis:// (or rediss://, unix://) URL")
    try:
        await client.ping()  # type: ignore[misc]  # redis-py types it for both clients
    except AuthenticationError:
        return failed(NAME, f"{where} refused the credentials in COACH_REDIS_URL")
    except (RedisError, OSError) as exc:
        return failed(NAME, f"cannot reach {where}: {reason(exc)}")
    finally:
        await client.aclose()
    return ok(NAME, f"PING answered by {where}")


async def check(settings: Settings, time_limit: float) -> list[CheckResult]:
    url = settings.redis_url
    if not url:
        return [skipped(NAME, "not configured (COACH_REDIS_URL not set): rate limits kept per process")]
    return [await timed(NAME, time_limit, lambda: _ping(url, time_limit), target=public_url(url))]
