"""The sender as a ``coach run`` component, shared by every channel through the ``AppContext``."""

from __future__ import annotations

from bot.components import AppContext, Component
from bot.config import ConfigError, RateLimiterKind, Settings
from bot.outbound.limiter import MemoryRateLimiter, RateLimiter
from bot.outbound.sender import OutboundSender
from domain.db import Database

SENDER_KEY = "outbound_sender"


def limiter_kind(settings: Settings, db: Database) -> RateLimiterKind:
    """``COACH_RATE_LIMITER``, with ``auto`` resolved: Redis when configured, else this process's memory.
    Several workers without Redis choose ``postgres`` (the budget costs two statements per message)."""
    if settings.rate_limiter is not RateLimiterKind.AUTO:
        return settings.rate_limiter
    return RateLimiterKind.REDIS if settings.redis_url else RateLimiterKind.MEMORY


def build_limiter(settings: Settings, db: Database) -> RateLimiter:
    """The sending slots every worker of this deployment shares (see the README, "Several workers")."""
    kind = limiter_kind(settings, db)
    if kind is RateLimiterKind.REDIS:
        if not settings.redis_url:
            raise ConfigError("COACH_RATE_LIMITER=redis needs COACH_REDIS_URL")
        from bot.outbound.redis_limiter import RedisRateLimiter

        return RedisRateLimiter(settings.redis_url, namespace=settings.redis_namespace)
    if kind is RateLimiterKind.POSTGRES:
        if db.is_sqlite:
            raise ConfigError("COACH_RATE_LIMITER=postgres needs a PostgreSQL COACH_DATABASE_URL")
        from bot.outbound.postgres_limiter import PostgresRateLimiter

        # A pool of its own: sending slots are never queued behind the conversations' connections.
        return PostgresRateLimiter(Database(db.url), owns_database=True)
    return MemoryRateLimiter()


def current_sender(ctx: AppContext) -> OutboundSender | None:
    sender = ctx.extras.get(SENDER_KEY)
    return sender if isinstance(sender, OutboundSender) else None


def shared_sender(ctx: AppContext) -> OutboundSender:
    """The one sender of this process (created on first use); channels register their transport on it,
    and ``build_components`` adds one :class:`OutboundComponent` to run it."""
    sender = current_sender(ctx)
    if sender is None:
        sender = OutboundSender(ctx.db, limiter=build_limiter(ctx.settings, ctx.db))
    ctx.extras[SENDER_KEY] = sender
    return sender


class OutboundComponent(Component):
    name = "outbound sender"

    def __init__(self, sender: OutboundSender) -> None:
        self.sender = sender

    async def start(self) -> None:
        await self.sender.start()

    async def stop(self) -> None:
        await self.sender.stop()
