"""Which sending slots a deployment gets from its settings."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, RateLimiterKind, load_settings
from bot.outbound.component import build_limiter, limiter_kind
from bot.outbound.limiter import MemoryRateLimiter
from bot.outbound.postgres_limiter import PostgresRateLimiter
from bot.outbound.redis_limiter import RedisRateLimiter
from domain.db import Database

REDIS_URL = "redis://127.0.0.1:6379"


async def test_redis_is_chosen_when_configured(db: Database) -> None:
    with_redis = load_settings(redis_url=REDIS_URL)
    assert limiter_kind(with_redis, db) is RateLimiterKind.REDIS
    limiter = build_limiter(with_redis, db)
    assert isinstance(limiter, RedisRateLimiter)
    await limiter.close()

    forced = load_settings(redis_url=REDIS_URL, rate_limiter="memory")
    assert isinstance(build_limiter(forced, db), MemoryRateLimiter)


async def test_without_redis_one_process_keeps_the_slots_unless_postgres_is_asked_for(db: Database) -> None:
    assert isinstance(build_limiter(load_settings(), db), MemoryRateLimiter)
    shared = load_settings(rate_limiter="postgres")
    if db.is_sqlite:
        with pytest.raises(ConfigError, match="PostgreSQL"):
            build_limiter(shared, db)
    else:
        limiter = build_limiter(shared, db)
        assert isinstance(limiter, PostgresRateLimiter)
        await limiter.close()


async def test_asking_for_redis_without_its_url_is_a_setting_error(db: Database) -> None:
    with pytest.raises(ConfigError, match="COACH_REDIS_URL"):
        build_limiter(load_settings(rate_limiter="redis"), db)
